Name:	sh
Umask:	0022
State:	S (sleeping)
Tgid:	109
Ngid:	0
Pid:	109
PPid:	1
TracerPid:	0
Uid:	0	0	0	0
Gid:	0	0	0	0
FDSize:	256
Groups:	 
NStgid:	109
NSpid:	109
NSpgid:	0
NSsid:	0
VmPeak:	    2128 kB
VmSize:	    1104 kB
VmLck:	       0 kB
VmPin:	       0 kB
VmHWM:	     772 kB
VmRSS:	     772 kB
RssAnon:	      56 kB
RssFile:	       4 kB
RssShmem:	     712 kB
VmData:	     188 kB
VmStk:	     132 kB
VmExe:	     568 kB
VmLib:	       8 kB
VmPTE:	      28 kB
VmSwap:	       0 kB
HugetlbPages:	       0 kB
CoreDumping:	0
THP_enabled:	1
Threads:	1
SigQ:	0/1789
SigPnd:	0000000000000000
ShdPnd:	0000000000000000
SigBlk:	0000000000000000
SigIgn:	0000000000000000
SigCgt:	0000000000000000
CapInh:	0000000000000000
CapPrm:	000001ffffffffff
CapEff:	000001ffffffffff
CapBnd:	000001ffffffffff
CapAmb:	0000000000000000
NoNewPrivs:	0
Seccomp:	0
Seccomp_filters:	0
Speculation_Store_Bypass:	not vulnerable
SpeculationIndirectBranch:	always enabled
Cpus_allowed:	1
Cpus_allowed_list:	0
Mems_allowed:	00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000000,00000001
Mems_allowed_list:	0
voluntary_ctxt_switches:	308
nonvoluntary_ctxt_switches:	53
