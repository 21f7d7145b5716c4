rchar: 158710
wchar: 164953
syscr: 170
syscw: 117
read_bytes: 67145728
write_bytes: 67112960
cancelled_write_bytes: 0
