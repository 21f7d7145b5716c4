rchar: 14901
wchar: 10671
syscr: 15
syscw: 12
read_bytes: 16384
write_bytes: 0
cancelled_write_bytes: 0
