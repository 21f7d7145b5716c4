rchar: 17531
wchar: 33572216
syscr: 30
syscw: 51
read_bytes: 0
write_bytes: 33742848
cancelled_write_bytes: 0
