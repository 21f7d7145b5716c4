rchar: 45641
wchar: 117488241
syscr: 80
syscw: 161
read_bytes: 0
write_bytes: 118145024
cancelled_write_bytes: 0
