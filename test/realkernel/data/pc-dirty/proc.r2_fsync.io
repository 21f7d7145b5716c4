rchar: 101912
wchar: 268543210
syscr: 180
syscw: 367
read_bytes: 0
write_bytes: 269983744
cancelled_write_bytes: 0
