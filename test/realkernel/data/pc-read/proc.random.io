rchar: 135302834
wchar: 40446
syscr: 33080
syscw: 53
read_bytes: 68292608
write_bytes: 0
cancelled_write_bytes: 0
