rchar: 43683
wchar: 44525
syscr: 45
syscw: 29
read_bytes: 33591296
write_bytes: 33558528
cancelled_write_bytes: 0
