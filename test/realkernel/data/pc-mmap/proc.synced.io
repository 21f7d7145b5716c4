rchar: 58329
wchar: 59781
syscr: 61
syscw: 39
read_bytes: 33591296
write_bytes: 33558528
cancelled_write_bytes: 0
