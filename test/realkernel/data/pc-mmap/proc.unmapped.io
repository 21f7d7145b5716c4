rchar: 101557
wchar: 104934
syscr: 108
syscw: 70
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
