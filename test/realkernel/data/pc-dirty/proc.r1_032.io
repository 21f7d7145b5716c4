rchar: 17499
wchar: 33572179
syscr: 30
syscw: 51
read_bytes: 36864
write_bytes: 33611776
cancelled_write_bytes: 0
