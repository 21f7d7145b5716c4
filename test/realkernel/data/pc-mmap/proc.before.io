rchar: 14442
wchar: 13991
syscr: 13
syscw: 7
read_bytes: 0
write_bytes: 4096
cancelled_write_bytes: 0
