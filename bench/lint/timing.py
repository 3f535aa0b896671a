#!/usr/bin/env python3
"""bench/lint/timing.py -- time lint commands, interleaved, in one invocation.

usage: timing.py --runs R --files N --work DIR [--aim X] NAME=ARGV0 [ARGS...] -- NAME=... -- ...

Each command is one process over all the files (its argv ends with them).
R rounds; in each round every command runs once, the order rotating from
round to round so that none always runs first (or last, on a cache warmed by
the others). Exit status 0 or 1 counts as success (1 = findings); anything
else stops the bench. stdout of each run goes to WORK/NAME.out (the last
run's stays there), stderr is appended to WORK/NAME.err.

Prints per command: median, min, max wall time, files/s at the median,
median CPU time (user + system, from wait4) and files per CPU second, peak
RSS (largest over the runs, from /usr/bin/time -f %M: the command's own
process, not python's), then each command's median against the first's.
Writes WORK/timing.tsv with every run.
"""
import os
import subprocess
import sys
import time


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def main():
    args = sys.argv[1:]
    opts = {}
    while args and args[0].startswith("--"):
        opts[args[0][2:]] = args[1]
        args = args[2:]
    runs, files, work = int(opts["runs"]), int(opts["files"]), opts["work"]
    cmds = []
    cur = []
    for a in args + ["--"]:
        if a == "--":
            if cur:
                name, argv0 = cur[0].split("=", 1)
                cmds.append((name, [argv0] + cur[1:]))
            cur = []
        else:
            cur.append(a)
    timebin = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
    rssf = os.path.join(work, "rss")
    res = {name: [] for name, _ in cmds}
    tsv = open(os.path.join(work, "timing.tsv"), "w")
    tsv.write("run\tcommand\twall_s\tcpu_s\tpeak_rss_kib\texit\n")
    for r in range(runs):
        order = cmds[r % len(cmds):] + cmds[:r % len(cmds)]
        for name, argv in order:
            full = (["/usr/bin/time", "-f", "%M", "-o", rssf] if timebin else []) + argv
            with open(os.path.join(work, name + ".out"), "wb") as out, \
                    open(os.path.join(work, name + ".err"), "ab") as err:
                t0 = time.perf_counter()
                p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
                _, status, ru = os.wait4(p.pid, 0)
                wall = time.perf_counter() - t0
                rc = os.waitstatus_to_exitcode(status)
            if rc not in (0, 1):
                sys.exit("bench/lint.sh: run %d of %s exited %d (stderr: %s)" % (
                    r + 1, name, rc, os.path.join(work, name + ".err")))
            if timebin:
                with open(rssf) as f:
                    rss = int(f.read().split()[-1])
            else:
                rss = ru.ru_maxrss
            cpu = ru.ru_utime + ru.ru_stime
            res[name].append((wall, rss, cpu))
            tsv.write("%d\t%s\t%.6f\t%.6f\t%d\t%d\n" % (r + 1, name, wall, cpu, rss, rc))
    tsv.close()
    print("%-10s %9s %9s %9s %11s %9s %11s %12s" % (
        "command", "wall med", "min", "max", "files/s", "CPU med", "files/CPU-s", "peak RSS"))
    med, cmed = {}, {}
    for name, _ in cmds:
        w = [x[0] for x in res[name]]
        med[name] = median(w)
        cmed[name] = median([x[2] for x in res[name]])
        print("%-10s %7.3f s %7.3f s %7.3f s %11.0f %7.3f s %11.0f %8.1f MiB" % (
            name, med[name], min(w), max(w), files / med[name], cmed[name],
            files / cmed[name] if cmed[name] > 0 else float("inf"),
            max(x[1] for x in res[name]) / 1024))
    if len(cmds) > 1:
        base = cmds[0][0]
        for name, _ in cmds[1:]:
            rw = med[name] / med[base]
            rc = cmed[name] / cmed[base] if cmed[base] > 0 else float("inf")
            print("ratio %s / %s: %.2fx by median wall time, %.2fx by median CPU time" % (
                name, base, rw, rc))
            if "aim" in opts:
                aim = float(opts["aim"])
                print("aim %s / %s >= %g: %s by wall time, %s by CPU time" % (
                    name, base, aim, "met" if rw >= aim else "not met",
                    "met" if rc >= aim else "not met"))
    if not timebin:
        print("(no /usr/bin/time: peak RSS includes python's own high-water mark)")


if __name__ == "__main__":
    main()
