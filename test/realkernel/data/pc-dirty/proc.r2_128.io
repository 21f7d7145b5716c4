rchar: 51266
wchar: 134271449
syscr: 90
syscw: 183
read_bytes: 0
write_bytes: 135032832
cancelled_write_bytes: 0
