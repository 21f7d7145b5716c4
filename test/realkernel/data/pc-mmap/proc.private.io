rchar: 116209
wchar: 120344
syscr: 124
syscw: 83
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
