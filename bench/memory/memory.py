#!/usr/bin/python3
"""
Memory benchmark (issue 7's goal: RSS under 64 MiB with 100,000 flows and 100,000 map-cache
entries). One lispswitchd in a namespace of its own with README-lisp's bridge (tap0, eth0 and a
lisp port with a map-resolver) is measured three times in one run:

  baseline   the bridge and its ports, README-lisp's four flows, an empty map-cache;
  flows      plus N flows (distinct nw_dst /32 matches, output to the lisp port);
  both       plus N map-cache entries (distinct /32 EIDs, one RLOC each).

Map-cache entries are loaded as static entries from the configuration file (the daemon is
stopped, the file gets N "map_cache" lines, the daemon starts again): the same entries a
Map-Reply installs, without N round trips to a map-server. RSS is VmRSS from /proc after the
load settles, in MiB; the report gives the ratios to the baseline and the goal's verdict.

usage: memory.py --build BUILD [--out DIR] [-n 100000]
"""
import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "system"))
import lsnet  # noqa: E402

GOAL_MIB = 64


def settle_rss(pid, seconds=2.0):
    """VmRSS (MiB) once it stops growing, or after 'seconds'."""
    last, deadline = -1, time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = lsnet.rss_kib(pid)
        if now == last:
            break
        last = now
        time.sleep(0.3)
    return lsnet.rss_kib(pid) / 1024


def add_flows(d, dir, n, chunk=10000):
    """N flows, in files of 'chunk' lines (a request is at most 1 MiB)."""
    for start in range(0, n, chunk):
        path = dir / f"flows-{start}.txt"
        with open(path, "w") as f:
            for i in range(start, min(n, start + chunk)):
                f.write(f"priority=5,ip,nw_dst=10.{(i >> 16) & 255}.{(i >> 8) & 255}."
                        f"{i & 255},actions=set_field:192.0.2.2->tun_dst,output:3\n")
        d.ctl("add-flows", "br0", str(path))


def add_map_cache(config, n):
    import json as j
    cfg = j.loads(config.read_text())
    port = next(p for b in cfg["bridges"] for p in b["ports"] if p["name"] == "lisp0")
    port["map_cache"] = [f"[0]172.{16 + ((i >> 16) & 15)}.{(i >> 8) & 255}.{i & 255}/32 "
                         f"192.0.2.{1 + i % 250}" for i in range(n)]
    config.write_text(j.dumps(cfg))


def measure(build, n):
    lab = lsnet.Lab(build)
    try:
        hv = lab.netns("hv")
        for name in ("tap0", "eth0"):
            hv.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
        d = lab.daemon(hv)
        for cmd in lsnet.GUIDE_COMMANDS:
            d.ctl(*cmd)
        d.ctl("set", "Interface", "lisp0", "options:map_resolver=192.0.2.100",
              "options:rloc_probe_interval=0")
        for f in lsnet.guide_flows("02:00:00:00:00:01", "10.1.0.0/24", "192.0.2.2"):
            d.ctl("add-flow", "br0", f)
        res = {"baseline": settle_rss(d.pid)}
        add_flows(d, lab.tmpdir("mem"), n)
        res["flows"] = settle_rss(d.pid)
        d.stop()
        add_map_cache(d.config, n)
        d.start()
        size = next(int(float(line.split()[-1])) for line in d.ctl("metrics")[1].splitlines()
                    if line.startswith("lispswitch_lisp_map_cache_entries{"))
        if size != n:
            raise RuntimeError(f"map-cache holds {size} entries, not {n}")
        res["both"] = settle_rss(d.pid, 5.0)
        return res
    finally:
        lab.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", default=str(REPO / "bench" / "results"))
    ap.add_argument("-n", type=int, default=100000)
    a = ap.parse_args()
    res = measure(Path(a.build), a.n)
    base = res["baseline"]
    lines = ["# Memory: RSS of lispswitchd", "",
             f"`bench/memory/memory.py -n {a.n}` (make bench). Goal: under {GOAL_MIB} MiB with "
             f"{a.n} flows and {a.n} map-cache entries.", "",
             "| state | RSS MiB | ratio to baseline |", "|---|---|---|"]
    for key, label in (("baseline", "bridge, 4 flows, empty map-cache"),
                       ("flows", f"+ {a.n} flows"),
                       ("both", f"+ {a.n} flows and {a.n} map-cache entries")):
        lines.append(f"| {label} | {res[key]:.1f} | {res[key] / base:.2f}x |")
    verdict = "met" if res["both"] < GOAL_MIB else "NOT met"
    lines += ["", f"Goal ({GOAL_MIB} MiB): {verdict}."]
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "memory.md").write_text("\n".join(lines) + "\n")
    (out / "memory.json").write_text(json.dumps({"n": a.n, "rss_mib": res}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
