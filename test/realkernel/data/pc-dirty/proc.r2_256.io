rchar: 96289
wchar: 268537136
syscr: 170
syscw: 359
read_bytes: 0
write_bytes: 269983744
cancelled_write_bytes: 0
