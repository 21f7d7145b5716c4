rchar: 62506
wchar: 167837849
syscr: 110
syscw: 227
read_bytes: 36864
write_bytes: 168165376
cancelled_write_bytes: 0
