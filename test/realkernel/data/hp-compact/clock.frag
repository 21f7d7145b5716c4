monotonic 32.941401
cpu_user 0.611736
cpu_sys 10.313661
