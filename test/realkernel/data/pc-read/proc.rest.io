rchar: 67129943
wchar: 21985
syscr: 16415
syscw: 28
read_bytes: 67178496
write_bytes: 0
cancelled_write_bytes: 0
