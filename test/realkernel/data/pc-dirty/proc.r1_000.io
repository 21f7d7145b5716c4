rchar: 6295
wchar: 5722
syscr: 10
syscw: 5
read_bytes: 0
write_bytes: 0
cancelled_write_bytes: 0
