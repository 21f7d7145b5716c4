rchar: 130135
wchar: 134942
syscr: 139
syscw: 93
read_bytes: 33591296
write_bytes: 67112960
cancelled_write_bytes: 0
