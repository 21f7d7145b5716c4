rchar: 68149
wchar: 184621081
syscr: 120
syscw: 249
read_bytes: 0
write_bytes: 185618432
cancelled_write_bytes: 0
