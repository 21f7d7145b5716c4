rchar: 85030
wchar: 234970705
syscr: 150
syscw: 315
read_bytes: 36864
write_bytes: 235438080
cancelled_write_bytes: 0
