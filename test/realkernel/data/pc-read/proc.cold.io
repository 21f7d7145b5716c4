rchar: 5686
wchar: 5044
syscr: 6
syscw: 4
read_bytes: 0
write_bytes: 0
cancelled_write_bytes: 0
