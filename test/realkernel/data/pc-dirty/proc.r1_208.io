rchar: 79401
wchar: 218187493
syscr: 140
syscw: 293
read_bytes: 36864
write_bytes: 218644480
cancelled_write_bytes: 0
