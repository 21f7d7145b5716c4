rchar: 79405
wchar: 218187503
syscr: 140
syscw: 293
read_bytes: 0
write_bytes: 219340800
cancelled_write_bytes: 0
