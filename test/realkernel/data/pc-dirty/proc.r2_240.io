rchar: 90661
wchar: 251753925
syscr: 160
syscw: 337
read_bytes: 0
write_bytes: 253091840
cancelled_write_bytes: 0
