rchar: 134249106
wchar: 33311
syscr: 32816
syscw: 44
read_bytes: 67178496
write_bytes: 0
cancelled_write_bytes: 0
