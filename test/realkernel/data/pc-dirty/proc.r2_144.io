rchar: 56893
wchar: 151054659
syscr: 100
syscw: 205
read_bytes: 0
write_bytes: 151908352
cancelled_write_bytes: 0
