rchar: 87634
wchar: 90383
syscr: 93
syscw: 60
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
