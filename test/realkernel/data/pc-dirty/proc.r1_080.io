rchar: 34368
wchar: 83921796
syscr: 60
syscw: 117
read_bytes: 36864
write_bytes: 84094976
cancelled_write_bytes: 0
