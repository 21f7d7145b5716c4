rchar: 11889
wchar: 16788987
syscr: 20
syscw: 29
read_bytes: 36864
write_bytes: 16818176
cancelled_write_bytes: 0
