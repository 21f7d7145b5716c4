cat: /sys/kernel/debug/extfrag/unusable_index: No such file or directory
