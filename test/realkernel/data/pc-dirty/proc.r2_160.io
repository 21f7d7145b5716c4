rchar: 62521
wchar: 167837870
syscr: 110
syscw: 227
read_bytes: 0
write_bytes: 168783872
cancelled_write_bytes: 0
