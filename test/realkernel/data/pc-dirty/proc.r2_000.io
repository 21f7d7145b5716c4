rchar: 6310
wchar: 5738
syscr: 10
syscw: 5
read_bytes: 0
write_bytes: 0
cancelled_write_bytes: 0
