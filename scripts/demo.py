#!/usr/bin/python3
"""
lispswitch demo (make demo): builds a small virtual network in namespaces of its own, runs
lispswitchd there, configures it with lispctl the way a user would, and shows traffic through it.
Every command is printed before it runs, like a tutorial. Whatever happens (failure, Ctrl-C,
SIGTERM), everything the demo made is removed before it exits.

Scenarios are functions taking the lab (tests/system/lsnet.py, shared with the system tests)
and returning nothing or raising DemoFailure; add later ones (LISP between two hypervisors) to
SCENARIOS.

    usage: demo.py --build BUILD_DIR
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "system"))
import lsnet  # noqa: E402  (found through the path above)


class DemoFailure(Exception):
    pass


class Interrupted(Exception):
    pass


def say(text=""):
    print(text, flush=True)


def show(where, argv, out=""):
    """Prints one command as the user would type it, then its output."""
    say(f"[{where}] # {' '.join(shlex.quote(str(a)) for a in argv)}")
    if out:
        say(out.rstrip("\n"))


class Host:
    """A namespace whose commands are printed as they run."""

    def __init__(self, ns, label):
        self.ns = ns
        self.label = label

    def sh(self, *argv):
        r = self.ns.run(*argv, check=False)
        show(self.label, argv, r.stdout)
        if r.returncode != 0:
            raise DemoFailure(f"{' '.join(map(str, argv))}: exit {r.returncode}: "
                              f"{r.stderr.strip()}")
        return r.stdout


class Switch(Host):
    """The hypervisor: a namespace with lispswitchd, driven by lispctl."""

    def __init__(self, lab, ns, label):
        super().__init__(ns, label)
        self.d = lab.daemon(ns, start=False)

    def start(self):
        show(self.label, ["lispswitchd", *map(str, self.d.start_cmd()[1:])])
        self.d.start()
        say(f"(lispswitchd runs as pid {self.d.pid}; lispctl below talks to it with "
            f"--rundir={self.d.rundir})")

    def ctl(self, *args):
        rc, out, err = self.d.ctl(*args, check=False)
        show(self.label, ["lispctl", *args], out)
        if rc != 0:
            raise DemoFailure(err.strip())
        return out

    def attach(self, vm):
        self.ctl("add-port", "br0", vm.port)


def ping(vm, label, dst, count=5):
    sent, received, out = vm.ping(dst, count=count, interval=0.2, quiet=False)
    show(label, vm.ping_argv(dst, count, 0.2, quiet=False), out)
    if received != sent:
        raise DemoFailure(f"{label}: ping {dst}: {received} of {sent} answered")


def scenario_one_bridge(lab):
    """
    Two VMs on one bridge in one hypervisor:

        [vm1] eth0 10.0.0.1/24 ==veth== p1 --+
                                             |  br0 (lispswitchd, namespace "hv")
        [vm2] eth0 10.0.0.2/24 ==veth== p2 --+
    """
    say(scenario_one_bridge.__doc__.rstrip())
    hv_ns = lab.netns("hv")
    vms = [lab.vm(hv_ns, f"vm{i}", f"p{i}", f"10.0.0.{i}/24") for i in (1, 2)]
    say(f"\nNamespaces: {hv_ns.name} (hypervisor), "
        f"{', '.join(vm.name for vm in vms)} (VMs); veth p1, p2 in the hypervisor.\n")

    hv = Switch(lab, hv_ns, "hv")
    hv.start()
    hv.ctl("add-br", "br0")
    for vm in vms:
        hv.attach(vm)
    say()
    ping(vms[0], "vm1", vms[1].addr)
    say()
    hv.ctl("show")
    hv.ctl("dump-ports", "br0")
    hv.ctl("fdb-show", "br0")
    learned = {(r["port"], r["mac"]) for r in hv.d.ctl_json("fdb-show", "br0")}
    if learned != {(1, vms[0].mac), (2, vms[1].mac)}:
        raise DemoFailure(f"fdb-show: expected both VMs on ports 1 and 2, got {sorted(learned)}")


README_TITLES = {
    1: "VMs in one subnet, hypervisors on one L2 segment",
    2: "VMs in one subnet, a router between the hypervisors, static ARP on the VMs",
    3: "VMs in different subnets, the hypervisor as their default router",
}


def readme_lisp(scenario, eid):
    """README-lisp's scenario 'scenario' with IPv4 ('eid' 4) or IPv6 EIDs over IPv4 RLOCs."""
    def run(lab):
        say(lsnet.readme_lisp.__doc__.split("\n\n")[1].rstrip())
        say(f"\nScenario {scenario}: {README_TITLES[scenario]}; IPv{eid} EIDs over IPv4 RLOCs."
            "\nThe guide's commands, as run (lispctl talks to each hypervisor's own "
            "lispswitchd):\n")
        t = lsnet.readme_lisp(lab, scenario, eid, 4, echo=show)
        if t.router:
            say(f"(router namespace {t.router.name}: eth1 192.168.1.254/24, eth2 "
                "192.168.2.254/24, forwarding on)")
        for vm in (t.vm1, t.vm2):
            neigh = vm.ns.ip("neigh", "show", "nud", "permanent").stdout.strip()
            route = vm.ns.ip("-6" if eid == 6 else "-4", "route", "show", "default").stdout
            say(f"[{vm.name[len(lab.prefix) + 1:]}] eth0 {vm.ip} ({vm.mac})"
                + (f", static neighbour: {neigh}" if neigh else "")
                + (f", {route.strip()}" if route.strip() else ""))
        say()
        cap = lsnet.Capture(lab, t.hv2.ns, "eth0", lab.tmpdir("cap") / "hv2.pcap", 1)
        ping(t.vm1, "vm1", t.vm2.addr)
        say()
        t.hv1.ctl("dump-flows", "br0")
        t.hv2.ctl("dump-flows", "br0")
        for hv in (t.hv1, t.hv2):
            if hv.flow_count("priority=1,") != 5 or hv.flow_count("priority=3,") != 5:
                raise DemoFailure(f"{hv.label}: the tunnel flows did not count the 5 pings")
        path = cap.stop()
        fields = ["lisp-data.flags", "lisp-data.iid", "lisp-data.lsb8", "ip.src", "ip.dst",
                  "ipv6.src", "ipv6.dst", "udp.dstport", "_ws.col.Info"]
        say("\nOne packet on the underlay (hv2's eth0), decoded by tshark:")
        argv = ["tshark", "-r", path.name, "-T", "fields", *sum((["-e", f] for f in fields), [])]
        show("hv2", argv)
        rows = lsnet.tshark_fields(path, fields)
        if not rows:
            raise DemoFailure("no LISP packet captured")
        say("\t".join(rows[0]))
        flags, iid, lsb, *_ = rows[0]
        if (flags, iid, lsb) != ("0x48", "0", "0x01"):
            raise DemoFailure(f"unexpected LISP header: flags {flags}, IID {iid}, LSB {lsb}")
    return run


def scenario_mapping(lab):
    """
    A mapping system: three hypervisors and a map-server on one L2 underlay. No flow names a
    tunnel destination: each lisp0 registers its EID prefix with the map-server and asks it
    (Map-Request) where the others are the first time a VM talks to them.
    """
    say(scenario_mapping.__doc__.rstrip())
    say(lsnet.mapped_lisp.__doc__.split("\n\n")[1].rstrip())
    say("\nThe commands, as run (lispctl talks to each namespace's own lispswitchd):\n")
    t = lsnet.mapped_lisp(lab, 3, echo=show)
    say("\n(every hypervisor's registration is in the map-server)\n")
    for i, vm in enumerate(t.vms, 1):
        for j, other in enumerate(t.vms, 1):
            if i != j:
                ping(vm, f"vm{i}", other.addr, count=3)
    say()
    for hv in t.hvs:
        hv.ctl("lisp/map-cache-show")
    t.ms.ctl("lisp/ms-show")
    for i, hv in enumerate(t.hvs, 1):
        learnt = {e["eid"]: [l["rloc"] for l in e["locators"]]
                  for e in hv.d.ctl_json("lisp/map-cache-show", "lisp0")[0]["entries"]}
        want = {f"[0]10.1.{k}.0/24": [f"192.168.0.{k}"] for k in (1, 2, 3) if k != i}
        if learnt != want:
            raise DemoFailure(f"hv{i}: map-cache {learnt}, expected {want}")


SCENARIOS = [
    ("two VMs on one bridge", "", scenario_one_bridge),
    *[(f"README-lisp scenario {n}, IPv{eid} EIDs", f"scenario {n} ({README_TITLES[n]}; "
       f"IPv{eid} EIDs)", readme_lisp(n, eid)) for eid in (4, 6) for n in (1, 2, 3)],
    ("mapping system: three hypervisors and a map-server",
     "mapping system (three hypervisors and a map-server)", scenario_mapping),
]


def run_scenario(build, scenario, title, failures):
    """Runs one scenario in a lab of its own, always removed afterwards (even when a signal
    interrupts it: the second signal is ignored while cleaning up). Returns whether it passed."""
    lab = None
    ok = False
    try:
        lab = lsnet.Lab(build)
        scenario(lab)
        ok = True
    except (DemoFailure, lsnet.DaemonStartError, RuntimeError, subprocess.SubprocessError) as e:
        failures.append(f"{title}: {e}")
        say(f"FAILED: {e}")
    finally:
        old = {sig: signal.signal(sig, signal.SIG_IGN) for sig in CAUGHT}
        if lab:
            lab.cleanup(keep_dirs=True)
            try:
                lab.check_sanitizers()
            except AssertionError as e:
                failures.append(f"{title}: {e}")
                ok = False
            lab.cleanup()
            left = lsnet.leftover_namespaces(lab.prefix + "-")
            if left:
                failures.append(f"namespaces left behind: {left}")
                ok = False
            say(f"(removed the namespaces {lab.prefix}-* and everything in them)")
        for sig, handler in old.items():
            signal.signal(sig, handler)
    return ok


CAUGHT = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def on_signal(signum, frame):
    raise Interrupted(signal.Signals(signum).name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="build directory (with src/daemon, src/ctl)")
    args = ap.parse_args()
    build = Path(args.build).resolve()
    for binary in ("src/daemon/lispswitchd", "src/ctl/lispctl"):
        if not (build / binary).exists():
            sys.exit(f"demo: {build / binary}: not built (run make)")
    if os.geteuid() != 0:
        sys.exit("demo: run as root (it makes network namespaces)")

    for sig in CAUGHT:
        signal.signal(sig, on_signal)
    failures, verdicts = [], []
    try:
        for title, verdict, scenario in SCENARIOS:
            say(f"\n=== {title} ===")
            ok = run_scenario(build, scenario, title, failures)
            say(f"--- {title}: {'ok' if ok else 'FAILED'}")
            if verdict:
                verdicts.append(f"{verdict}: {'PASS' if ok else 'FAIL'}")
                say(verdicts[-1])
    except Interrupted as e:
        failures.append(f"interrupted by {e}")
    say()
    for v in verdicts:
        say(v)
    for f in failures:
        say(f"FAIL: {f}")
    say("FAIL" if failures else "PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
