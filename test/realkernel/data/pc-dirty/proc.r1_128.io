rchar: 51245
wchar: 134271422
syscr: 90
syscw: 183
read_bytes: 36864
write_bytes: 134496256
cancelled_write_bytes: 0
