#!/usr/bin/python3
"""Runs a command N times; prints the median wall time and the peak RSS of the runs.

Usage: top_measure.py RUNS OUTPUT_FILE -- COMMAND...
The command's standard output goes to OUTPUT_FILE (the last run's), stderr to ours.
"""
import os
import statistics
import sys
import time


def main():
    runs, output = int(sys.argv[1]), sys.argv[2]
    command = sys.argv[sys.argv.index("--") + 1:]
    times, peaks = [], []
    for _ in range(runs):
        with open(output, "wb") as out:
            start = time.perf_counter()
            pid = os.fork()
            if pid == 0:
                os.dup2(out.fileno(), 1)
                os.execvp(command[0], command)
            _, status, usage = os.wait4(pid, 0)
            times.append(time.perf_counter() - start)
            peaks.append(usage.ru_maxrss)  # KiB on Linux
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit("command failed: %s" % " ".join(command))
    print("%.3f %d %.3f %.3f" % (statistics.median(times), max(peaks), min(times), max(times)))


if __name__ == "__main__":
    main()
