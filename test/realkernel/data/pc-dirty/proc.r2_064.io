rchar: 28773
wchar: 67138624
syscr: 50
syscw: 95
read_bytes: 0
write_bytes: 67502080
cancelled_write_bytes: 0
