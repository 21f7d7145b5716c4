400000-401000 present=1 swapped=0 digest=4b95f515 00400000-00401000 r--p 00000000 00:02 13                                 /bin/mmguest
401000-48f000 present=142 swapped=0 digest=332fbcd4 00401000-0048f000 r-xp 00001000 00:02 13                                 /bin/mmguest
48f000-4ba000 present=33 swapped=0 digest=e23e9bb5 0048f000-004ba000 r--p 0008f000 00:02 13                                 /bin/mmguest
4ba000-4be000 present=4 swapped=0 digest=732805 004ba000-004be000 r--p 000ba000 00:02 13                                 /bin/mmguest
4be000-4c1000 present=3 swapped=0 digest=253381b6 004be000-004c1000 rw-p 000be000 00:02 13                                 /bin/mmguest
4c1000-4cb000 present=6 swapped=0 digest=98c9f6c2 004c1000-004cb000 rw-p 00000000 00:00 0                                  [heap]
4cb000-4ed000 present=2 swapped=0 digest=4bb53254 004cb000-004ed000 rw-p 00000000 00:00 0                                  [heap]
7ffff4ff9000-7ffff7ff9000 present=12288 swapped=0 digest=9d46abc5 7ffff4ff9000-7ffff7ff9000 rw-p 00000000 00:00 0 
7ffff7ff9000-7ffff7ffd000 present=0 swapped=0 digest=811c9dc5 7ffff7ff9000-7ffff7ffd000 r--p 00000000 00:00 0                          [vvar]
7ffff7ffd000-7ffff7fff000 present=1 swapped=0 digest=4b95f515 7ffff7ffd000-7ffff7fff000 r-xp 00000000 00:00 0                          [vdso]
7ffffffde000-7ffffffff000 present=2 swapped=0 digest=3f565cfa 7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
