rchar: 29050
wchar: 29243
syscr: 29
syscw: 18
read_bytes: 0
write_bytes: 4096
cancelled_write_bytes: 0
