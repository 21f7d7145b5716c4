rchar: 68137
wchar: 184621063
syscr: 120
syscw: 249
read_bytes: 36864
write_bytes: 184983552
cancelled_write_bytes: 0
