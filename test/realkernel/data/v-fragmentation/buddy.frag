Node 0, zone      DMA      0      0      0      0      0      1      1      1      0      1      3 
Node 0, zone    DMA32  40961     16      8      6      5      3      4      2      2      1    108 
