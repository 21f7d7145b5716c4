rchar: 11914
wchar: 16789016
syscr: 20
syscw: 29
read_bytes: 0
write_bytes: 16863232
cancelled_write_bytes: 0
