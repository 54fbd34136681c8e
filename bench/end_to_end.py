#!/usr/bin/env python3
"""End-to-end benchmark: generate a data folder, then time `premium-claims process` against a
bare single-threaded CSV parse of the same files (examples/bare_parse.rs), alternating runs.

    python3 bench/end_to_end.py --members 1000000 [--runs 5] [--dir /tmp/pc-bench] [--threads N] [--desk]
                                [--order time|member|shuffled|all] [--tidy] [--distribute]
                                [--exposure] [--compare CASE_B]

--order picks the order of the generated evidence (`generate --evidence-order`): `all` (the
default) runs the three orders one after the other, each in its own folder (DIR-ORDER). --tidy
generates evidence in one tidy form instead of the mix of forms real exports have.

Prints, per run and as medians: wall seconds, peak RSS, rows/s and MB/s of `process`, and the
ratio process / bare parse measured in the same run pair (the machine may be noisy: ratios from
adjacent runs are the fair comparison). Needs a release build (it runs cargo build --release).

With --distribute, the folder is generated with its distribution (payment events, tax forms,
notices, objections: `generate --distribution`) and each run also times `premium-claims distribute
--as-of 2027-12-31` right after `process`, printing distribute / process for each adjacent pair.

With --desk, each run also times loading the claims desk (`premium-claims intake` with no input:
every member's facts kept, the claims decided, the desk's indexes built) and prints its ratio to
`process` of the same run and to a bare parse timed just before it.

With --exposure, each run also times counsel's census (`premium-claims exposure`: every member
kept and evaluated) against a bare parse timed just before it. With --compare CASE_B, each run also
times `premium-claims compare` of the folder's case.toml and CASE_B (one reading of the data for
both) against `process` of the same run.

Every timed command also shows its CPU seconds (user + system, all threads): on a shared machine
whose speed drifts, the CPU ratios of a run are steadier than its wall-time ratios, which are
what the targets name.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "premium-claims")
BARE = os.path.join(ROOT, "target", "release", "examples", "bare_parse")
FILES = ["members.csv", "subscriptions.csv", "evidence.csv", "opt_outs.csv", "claims.csv", "cures.csv"]


def timed(cmd):
    """Runs cmd with no input; returns (wall seconds, peak RSS in MB, stdout, CPU seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_maxrss / 1024, out, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default=None, help="where to generate (default /tmp/pc-bench-MEMBERS)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--skip-baseline", action="store_true", help="only time process (e.g. at 10M)")
    ap.add_argument("--desk", action="store_true", help="also time loading the claims desk (every member kept)")
    ap.add_argument("--exposure", action="store_true", help="also time the census (`exposure`)")
    ap.add_argument("--compare", metavar="CASE_B", default=None, help="also time `compare` of case.toml and CASE_B")
    ap.add_argument("--order", default="all", choices=["time", "member", "shuffled", "all"], help="evidence order")
    ap.add_argument("--tidy", action="store_true", help="evidence in one tidy form")
    ap.add_argument("--distribute", action="store_true", help="generate a distribution and also time `distribute`")
    args = ap.parse_args()

    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "premium-claims", "--example", "bare_parse"], cwd=ROOT, check=True)
    orders = ["time", "shuffled", "member"] if args.order == "all" else [args.order]
    base = args.dir or f"/tmp/pc-bench-{args.members}"
    for order in orders:
        print(f"== evidence in {order} order{' (tidy)' if args.tidy else ''} ==", flush=True)
        bench(args, f"{base}-{order}{'-tidy' if args.tidy else ''}", order)


def bench(args, data, order):
    """Generates `data` if needed and times the runs on it."""
    if not os.path.exists(os.path.join(data, "case.toml")):
        cmd = [BIN, "generate", data, "--members", str(args.members), "--seed", str(args.seed), "--evidence-order", order]
        if args.tidy:
            cmd.append("--tidy")
        if args.distribute:
            cmd.append("--distribution")
        wall, _, out, _ = timed(cmd)
        print(f"generated in {wall:.1f} s: {out.strip()}")
    size = sum(os.path.getsize(os.path.join(data, f)) for f in FILES if os.path.exists(os.path.join(data, f)))
    rows = 0
    for f in FILES:
        p = os.path.join(data, f)
        if os.path.exists(p):
            with open(p, "rb") as fh:
                rows += sum(1 for _ in fh) - 1
    print(f"data: {data}, {size / 1e9:.2f} GB, {rows:,} lines of data")
    out_dir = data.rstrip("/") + "-out"
    process = [BIN, "process", data, "--out", out_dir, "--quiet"]
    if args.threads:
        process += ["--threads", str(args.threads)]

    walls, rsss, ratios, bares = [], [], [], []
    dist_walls, dist_ratios = [], []
    desk_walls, desk_rsss, desk_vs_process, desk_vs_bare = [], [], [], []
    desk_cpu_vs_process = []
    census_vs_bare, census_rsss, compare_vs_process, compare_rsss = [], [], [], []
    for run in range(args.runs):
        if not args.skip_baseline:
            bare, _, _, bare_cpu = timed([BARE, data])
            bares.append(bare)
        wall, rss, _, cpu = timed(process)
        walls.append(wall)
        rsss.append(rss)
        line = f"run {run + 1}: process {wall:6.2f} s (cpu {cpu:5.2f} s)  peak RSS {rss:7.0f} MB  {rows / wall / 1e6:6.2f} M rows/s  {size / wall / 1e6:7.1f} MB/s"
        if not args.skip_baseline:
            ratios.append(wall / bare)
            line += f"  | bare parse {bare:6.2f} s (cpu {bare_cpu:5.2f} s)  ratio {wall / bare:.2f}"
        if args.distribute:
            dist, dist_rss, _, _ = timed([BIN, "distribute", data, "--as-of", "2027-12-31", "--out", out_dir + "-distribute", "--quiet"])
            dist_walls.append(dist)
            dist_ratios.append(dist / wall)
            line += f"  | distribute {dist:6.2f} s  RSS {dist_rss:7.0f} MB  distribute/process {dist / wall:.2f}"
        if args.desk:
            # Each ratio to the bare parse is taken against a bare parse timed just before: on
            # a machine whose speed drifts, the process run's bare parse is a few runs stale.
            bare = None if args.skip_baseline else timed([BARE, data])[0]
            desk, desk_rss, _, desk_cpu = timed([BIN, "intake", data])
            desk_walls.append(desk)
            desk_rsss.append(desk_rss)
            desk_vs_process.append(desk / wall)
            desk_cpu_vs_process.append(desk_cpu / cpu)
            line += f"  | desk load {desk:6.2f} s (cpu {desk_cpu:5.2f} s)  RSS {desk_rss:7.0f} MB  desk/process {desk / wall:.2f} (cpu {desk_cpu / cpu:.2f})"
            if bare:
                desk_vs_bare.append(desk / bare)
                line += f"  desk/bare {desk / bare:.2f} (bare {bare:.2f} s)"
        if args.exposure:
            bare = None if args.skip_baseline else timed([BARE, data])[0]
            census, census_rss, _, census_cpu = timed([BIN, "exposure", data, "--out", out_dir + "-exposure", "--quiet"])
            census_rsss.append(census_rss)
            line += f"  | exposure {census:6.2f} s (cpu {census_cpu:5.2f} s)  RSS {census_rss:7.0f} MB"
            if bare:
                census_vs_bare.append(census / bare)
                line += f"  exposure/bare {census / bare:.2f} (bare {bare:.2f} s)"
        if args.compare:
            both, both_rss, _, both_cpu = timed([BIN, "compare", data, "--case", os.path.join(data, "case.toml"), "--case", args.compare, "--out", out_dir + "-compare", "--quiet"])
            compare_rsss.append(both_rss)
            compare_vs_process.append(both / wall)
            line += f"  | compare {both:6.2f} s (cpu {both_cpu:5.2f} s)  RSS {both_rss:7.0f} MB  compare/process {both / wall:.2f}"
        print(line, flush=True)
    med = statistics.median
    summary = f"median: process {med(walls):.2f} s, peak RSS {med(rsss):.0f} MB, {rows / med(walls) / 1e6:.2f} M rows/s, {size / med(walls) / 1e6:.0f} MB/s"
    if ratios:
        summary += f"; bare parse {med(bares):.2f} s; ratio {med(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
    print(summary)
    if dist_walls:
        print(f"distribute: median {med(dist_walls):.2f} s, distribute/process median {med(dist_ratios):.2f} (min {min(dist_ratios):.2f}, max {max(dist_ratios):.2f})")
    if desk_walls:
        line = f"desk load: median {med(desk_walls):.2f} s, peak RSS {med(desk_rsss):.0f} MB, desk/process {med(desk_vs_process):.2f} (cpu {med(desk_cpu_vs_process):.2f})"
        if desk_vs_bare:
            line += f", desk/bare parse {med(desk_vs_bare):.2f}"
        print(line)
    if census_rsss:
        ratio = f", exposure/bare parse {med(census_vs_bare):.2f}" if census_vs_bare else ""
        print(f"exposure: peak RSS {med(census_rsss):.0f} MB{ratio}")
    if compare_rsss:
        print(f"compare: peak RSS {med(compare_rsss):.0f} MB, compare/process {med(compare_vs_process):.2f}")


if __name__ == "__main__":
    main()
