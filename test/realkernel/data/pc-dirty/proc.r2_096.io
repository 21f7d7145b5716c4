rchar: 40016
wchar: 100705033
syscr: 70
syscw: 139
read_bytes: 0
write_bytes: 101253120
cancelled_write_bytes: 0
