rchar: 144057
wchar: 149535
syscr: 154
syscw: 104
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
