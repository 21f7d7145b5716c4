rchar: 72984
wchar: 75106
syscr: 77
syscw: 50
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
