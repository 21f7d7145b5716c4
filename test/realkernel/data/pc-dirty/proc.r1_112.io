rchar: 45616
wchar: 117488210
syscr: 80
syscw: 161
read_bytes: 36864
write_bytes: 117682176
cancelled_write_bytes: 0
