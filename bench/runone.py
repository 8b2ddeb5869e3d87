#!/usr/bin/env python3
"""runone.py OUT CMD... - run CMD once, write "wall user sys maxrss_kb" to OUT, exit with
CMD's status. Like `/usr/bin/time -f '%e %U %S %M'`, but the wall clock is read to the
microsecond: time's %e has 10 ms steps, too coarse for a warm rescan of ~10 ms."""
import os
import resource
import sys
import time

out, cmd = sys.argv[1], sys.argv[2:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(cmd[0], cmd)
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - t0
with open(out, 'w') as f:
    f.write('%.6f %.3f %.3f %d\n' % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
