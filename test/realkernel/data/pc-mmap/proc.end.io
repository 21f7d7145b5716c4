rchar: 172637
wchar: 179465
syscr: 185
syscw: 127
read_bytes: 67145728
write_bytes: 67112960
cancelled_write_bytes: 0
