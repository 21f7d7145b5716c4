rchar: 34393
wchar: 83921827
syscr: 60
syscw: 117
read_bytes: 0
write_bytes: 84385792
cancelled_write_bytes: 0
