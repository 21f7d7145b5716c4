rchar: 23121
wchar: 50355383
syscr: 40
syscw: 73
read_bytes: 36864
write_bytes: 50425856
cancelled_write_bytes: 0
