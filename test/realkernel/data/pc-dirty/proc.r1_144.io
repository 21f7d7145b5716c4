rchar: 56875
wchar: 151054635
syscr: 100
syscw: 205
read_bytes: 36864
write_bytes: 151322624
cancelled_write_bytes: 0
