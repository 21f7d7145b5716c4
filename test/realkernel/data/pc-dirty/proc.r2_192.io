rchar: 73777
wchar: 201404292
syscr: 130
syscw: 271
read_bytes: 0
write_bytes: 202469376
cancelled_write_bytes: 0
