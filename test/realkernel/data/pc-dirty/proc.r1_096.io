rchar: 39991
wchar: 100705002
syscr: 70
syscw: 139
read_bytes: 36864
write_bytes: 100888576
cancelled_write_bytes: 0
