rchar: 134243956
wchar: 27640
syscr: 32808
syscw: 36
read_bytes: 67178496
write_bytes: 0
cancelled_write_bytes: 0
