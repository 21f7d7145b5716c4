rchar: 73768
wchar: 201404277
syscr: 130
syscw: 271
read_bytes: 36864
write_bytes: 201818112
cancelled_write_bytes: 0
