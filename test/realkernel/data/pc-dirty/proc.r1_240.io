rchar: 90659
wchar: 251753917
syscr: 160
syscw: 337
read_bytes: 36864
write_bytes: 252231680
cancelled_write_bytes: 0
