rchar: 28744
wchar: 67138589
syscr: 50
syscw: 95
read_bytes: 36864
write_bytes: 67260416
cancelled_write_bytes: 0
