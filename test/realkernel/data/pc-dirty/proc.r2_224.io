rchar: 85033
wchar: 234970714
syscr: 150
syscw: 315
read_bytes: 0
write_bytes: 236216320
cancelled_write_bytes: 0
