Node 0, zone      DMA      0      0      0      0      0      1      1      1      0      1      3 
Node 0, zone    DMA32  60367      0      2      2      2      1      1      2      3      2     82 
