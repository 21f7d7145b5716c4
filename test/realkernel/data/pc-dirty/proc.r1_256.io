rchar: 96288
wchar: 268537129
syscr: 170
syscw: 359
read_bytes: 36864
write_bytes: 269029376
cancelled_write_bytes: 0
