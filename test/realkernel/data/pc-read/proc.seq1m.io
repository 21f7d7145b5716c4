rchar: 1068607
wchar: 16329
syscr: 279
syscw: 20
read_bytes: 1298432
write_bytes: 0
cancelled_write_bytes: 0
