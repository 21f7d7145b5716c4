rchar: 101913
wchar: 268543205
syscr: 180
syscw: 367
read_bytes: 36864
write_bytes: 269029376
cancelled_write_bytes: 0
