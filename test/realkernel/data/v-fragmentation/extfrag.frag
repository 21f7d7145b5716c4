cat: /sys/kernel/debug/extfrag/extfrag_index: No such file or directory
