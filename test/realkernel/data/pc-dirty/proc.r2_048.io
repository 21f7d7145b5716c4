rchar: 23150
wchar: 50355418
syscr: 40
syscw: 73
read_bytes: 0
write_bytes: 50634752
cancelled_write_bytes: 0
