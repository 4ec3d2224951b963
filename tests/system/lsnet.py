"""
lsnet: throw-away network labs for the system tests and the demo.

A Lab owns everything it creates: network namespaces (all named lst-<pid>-<n>-<role>, so two
runs never collide), veth pairs (which die with their namespace), lispswitchd daemons (each with
its own temporary run/db directory and log) and background processes. Lab.cleanup() removes all
of it, in reverse order, and is safe to call twice or after a half-built set-up.

Nothing here touches the root namespace: every address, route and interface lives in a namespace
the lab made, and those namespaces have no link to the outside.

Daemons run with ASAN_OPTIONS/UBSAN_OPTIONS that write reports into their directory, so that a
sanitizer build (LISPSWITCH_BUILD=build-asan) turns any memory or UB error in the daemon or in
lispctl into a report that Daemon.check_sanitizers() raises (files, and the daemon's stderr).

This module does not depend on pytest: scripts/demo.py uses it too.
"""
import ctypes
import ipaddress
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("LISPSWITCH_BUILD", REPO / "build")).resolve()
PYTHON = "/usr/bin/python3"

# Every subprocess gets a bound; commands that may hang (ping, capture) pass their own.
DEFAULT_TIMEOUT = 15

_counter = itertools.count(1)
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Makes detached daemons (which double-fork) our children, so that we can reap them and
    read their exit status instead of watching /proc for a pid that may be reused."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def run(cmd, ns=None, check=True, timeout=DEFAULT_TIMEOUT, env=None):
    """Runs 'cmd' (a list) in namespace 'ns' (or here); returns the CompletedProcess."""
    full = (["ip", "netns", "exec", ns] if ns else []) + [str(c) for c in cmd]
    r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(full)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def cpu_seconds(pid):
    """CPU time (utime + stime, all threads) process 'pid' has used, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(predicate, timeout=5.0, interval=0.02):
    """Polls 'predicate' until it returns a true value (which is returned) or 'timeout' passes
    (then returns the last false value)."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


class Netns:
    """One network namespace with loopback up and IPv6 off, so that no interface of it sends
    router solicitations, MLD reports or DAD probes that would disturb exact packet counts."""

    def __init__(self, name):
        self.name = name

    def create(self):
        run(["ip", "netns", "add", self.name])
        for key in ("all", "default"):
            self.sysctl(f"net.ipv6.conf.{key}.disable_ipv6", 1)
        self.ip("link", "set", "lo", "up")
        return self

    def run(self, *cmd, **kw):
        return run(list(cmd), ns=self.name, **kw)

    def ip(self, *args, **kw):
        return self.run("ip", *args, **kw)

    def sysctl(self, key, value):
        self.run("sysctl", "-q", "-w", f"{key}={value}")

    def link_exists(self, ifname):
        return self.ip("link", "show", ifname, check=False).returncode == 0

    def addresses(self, ifname):
        """The IPv4 addresses (with prefix length) of 'ifname'."""
        out = self.ip("-j", "addr", "show", "dev", ifname).stdout
        return [f"{a['local']}/{a['prefixlen']}" for link in json.loads(out)
                for a in link.get("addr_info", []) if a["family"] == "inet"]

    def delete(self):
        run(["ip", "netns", "del", self.name], check=False)


class Vm:
    """A "VM": its own namespace whose eth0 is one end of a veth pair; the other end, 'port',
    sits in the hypervisor namespace, ready to be added to a bridge (left down: the daemon
    brings its ports up)."""

    def __init__(self, netns, hv, port, ip):
        self.ns = netns
        self.hv = hv
        self.port = port
        self.ifname = "eth0"
        self.ip = ip                      # e.g. "10.0.0.1/24"
        self.addr = ip.split("/")[0]
        hv.ip("link", "add", port, "type", "veth", "peer", "name", self.ifname,
              "netns", netns.name)
        if ":" in ip:
            enable_ipv6(netns, self.ifname)
        netns.ip("addr", "add", ip, "dev", self.ifname, *(["nodad"] if ":" in ip else []))
        netns.ip("link", "set", self.ifname, "up")
        link = json.loads(netns.ip("-j", "link", "show", self.ifname).stdout)[0]
        self.mac = link["address"]

    @property
    def name(self):
        return self.ns.name

    @staticmethod
    def ping_argv(dst, count=3, interval=0.2, wait=1.0, quiet=True):
        """ping bounded in count and time: each reply is waited for at most 'wait' seconds."""
        return ["ping", "-n", *(["-q"] if quiet else []), "-c", str(count), "-i", str(interval),
                "-W", str(wait), dst]

    def ping(self, dst, count=3, interval=0.2, wait=1.0, quiet=True):
        """Pings 'dst'; returns (transmitted, received, output)."""
        timeout = count * interval + wait + 5
        r = self.ns.run(*self.ping_argv(dst, count, interval, wait, quiet), check=False,
                        timeout=timeout)
        return (*parse_ping(r.stdout), r.stdout)

    def neigh(self, ip, mac):
        """A permanent neighbour entry (README-lisp scenario 2: static ARP on the VM)."""
        self.ns.ip("neigh", "add", ip, "lladdr", mac, "dev", self.ifname, "nud", "permanent")

    def snmp(self, group, key):
        """One counter of /proc/net/snmp or /proc/net/snmp6 in the VM ('Icmp', 'InEchos')."""
        return snmp_counter(self.ns, group, key)

    def sendp(self, frame, count):
        """Sends 'frame' (bytes of a whole Ethernet frame) 'count' times out of eth0 with
        scapy's sendp, from inside the VM's namespace."""
        code = ("import sys\n"
                "from scapy.layers.l2 import Ether\n"
                "from scapy.sendrecv import sendp\n"
                "sendp(Ether(bytes.fromhex(sys.argv[1])), iface=sys.argv[2],"
                " count=int(sys.argv[3]), verbose=False)\n")
        self.ns.run(PYTHON, "-c", code, frame.hex(), self.ifname, count)


def enable_ipv6(ns, ifname):
    """IPv6 on one interface of a namespace (Netns turns it off by default), without duplicate
    address detection, so that addresses are usable at once."""
    ns.sysctl(f"net.ipv6.conf.{ifname}.accept_dad", 0)
    ns.sysctl(f"net.ipv6.conf.{ifname}.disable_ipv6", 0)


def snmp_counter(ns, group, key):
    """A counter of the namespace's /proc/net/snmp (IPv4: 'Icmp', 'Tcp', ...) or, for
    group 'Ip6'/'Icmp6'/'Udp6', /proc/net/snmp6."""
    if group.endswith("6"):
        for line in ns.run("cat", "/proc/net/snmp6").stdout.splitlines():
            name, value = line.split()
            if name == group + key:
                return int(value)
        raise KeyError(group + key)
    lines = [l.split() for l in ns.run("cat", "/proc/net/snmp").stdout.splitlines()
             if l.startswith(group + ":")]
    return int(dict(zip(lines[0][1:], lines[1][1:]))[key])


def metric_samples(text):
    """{(metric name, frozenset of labels): value} of a Prometheus text exposition, parsed by
    prometheus_client's parser (which also refuses a malformed one)."""
    from prometheus_client.parser import text_string_to_metric_families
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def link_stat(ns, ifname, key):
    """One counter of /sys/class/net/IFNAME/statistics ('tx_packets'...) in namespace 'ns'."""
    return int(ns.run("cat", f"/sys/class/net/{ifname}/statistics/{key}").stdout)


def rss_kib(pid):
    """Resident set size of process 'pid', in KiB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise ValueError(f"no VmRSS for pid {pid}")


def sanitized(pid):
    """Whether process 'pid' runs with ASan, whose quarantine keeps freed memory resident (so
    RSS bounds must allow for it)."""
    return "libasan" in open(f"/proc/{pid}/maps").read()


def veth(ns_a, name_a, ns_b, name_b):
    """A veth pair from 'name_a' in namespace 'ns_a' to 'name_b' in 'ns_b' (both left down)."""
    ns_a.ip("link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", ns_b.name)


def attach(daemon, bridge, *vms):
    """Adds each VM's hypervisor-side veth (still down: the daemon brings it up) to 'bridge',
    one add-port command per VM."""
    for vm in vms:
        daemon.ctl("add-port", bridge, vm.port)


def parse_ping(text):
    """(transmitted, received) from ping's summary line."""
    m = re.search(r"(\d+) packets transmitted, (\d+) received", text)
    if not m:
        raise ValueError(f"no ping summary in: {text!r}")
    return int(m.group(1)), int(m.group(2))


SANITIZER_MARKERS = ("runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                     "Sanitizer:DEADLYSIGNAL")


def has_sanitizer_report(text):
    return any(m in text for m in SANITIZER_MARKERS)


class LispctlError(RuntimeError):
    def __init__(self, args, rc, stderr):
        super().__init__(f"lispctl {' '.join(args)}: exit {rc}: {stderr.strip()}")
        self.rc = rc
        self.stderr = stderr


class DaemonStartError(RuntimeError):
    def __init__(self, rc, stderr):
        super().__init__(f"lispswitchd did not start (exit {rc}): {stderr.strip()}")
        self.rc = rc
        self.stderr = stderr


class Daemon:
    """One lispswitchd in namespace 'ns', with its own run and database directories and log
    under 'dir'. start() returns once the control socket answers (--detach waits for it)."""

    def __init__(self, ns, dir, build=BUILD):
        self.ns = ns
        self.dir = Path(dir)
        self.rundir = self.dir / "run"
        self.dbdir = self.dir / "db"
        self.log = self.dir / "lispswitchd.log"
        self.daemon_bin = Path(build) / "src/daemon/lispswitchd"
        self.ctl_bin = Path(build) / "src/ctl/lispctl"
        self.pid = None
        self._stderr_seen = 0
        self._starting = False   # Between start() and reading the pidfile.
        self._ctl_reports = 0
        self.extra_args = []     # More lispswitchd options, such as --metrics-listen.
        self.preexec = None      # Runs in the child before it becomes the daemon.
        self.env = dict(os.environ,
                        # A small quarantine keeps freed memory from counting as
                        # growth in the tests that bound the daemon's RSS.
                        ASAN_OPTIONS=f"detect_leaks=1:abort_on_error=0:quarantine_size_mb=16:"
                                     f"log_path={self.dir}/asan",
                        UBSAN_OPTIONS=("print_stacktrace=1:halt_on_error=1:"
                                       f"log_path={self.dir}/ubsan"))
        for var in ("LISPSWITCH_RUNDIR", "LISPSWITCH_DBDIR"):
            self.env.pop(var, None)

    @property
    def pidfile(self):
        return self.rundir / "lispswitchd.pid"

    @property
    def config(self):
        return self.dbdir / "conf.json"

    def start_cmd(self, *extra):
        return [self.daemon_bin, "--rundir", self.rundir, "--dbdir", self.dbdir,
                "--log-file", self.log, "--detach", *self.extra_args, *extra]

    def start(self):
        """Starts the daemon; raises RuntimeError with its message if it does not start.
        Its stderr goes to a file: the detached daemon keeps stderr open (it logs there when
        there is no log file), so a pipe would never reach end of file."""
        self.dir.mkdir(parents=True, exist_ok=True)
        errfile = self.dir / "stderr"
        self._starting = True
        with open(errfile, "a") as err:   # Appended: a crash report of a previous run stays.
            r = subprocess.run(["ip", "netns", "exec", self.ns.name, *map(str, self.start_cmd())],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                               env=self.env, timeout=DEFAULT_TIMEOUT, preexec_fn=self.preexec)
        if r.returncode != 0:
            raise DaemonStartError(r.returncode, errfile.read_text())
        self.pid = int(self.pidfile.read_text())
        self._starting = False
        return self

    def running(self):
        """Whether our daemon process is alive (reaping it if it has exited)."""
        if self.pid is None:
            return False
        return self._reap(block=False) is None

    def _reap(self, block):
        """Exit status of the daemon once it is gone (as subprocess does: -signal or code),
        or None while it runs."""
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # Not our child (no subreaper): fall back to /proc.
            self._status = _proc_exit(self.pid, block)
            return self._status
        if pid == 0:
            return None
        self._status = os.waitstatus_to_exitcode(status)
        return self._status

    def _signal_and_wait(self, sig, timeout):
        os.kill(self.pid, sig)
        if not wait_until(lambda: not self.running(), timeout=timeout):
            raise TimeoutError(f"lispswitchd {self.pid} still runs {timeout} s after {sig!r}")
        self.pid = None
        return self._status

    def stop(self, timeout=10):
        """SIGTERM and wait: returns the exit status (0 for a clean shutdown)."""
        return self._signal_and_wait(signal.SIGTERM, timeout)

    def kill9(self):
        return self._signal_and_wait(signal.SIGKILL, 5)

    def restart(self):
        if self.running():
            self.stop()
        return self.start()

    def ctl(self, *args, check=True, rundir=None):
        """Runs lispctl with '--rundir' of this daemon (or 'rundir'); returns (rc, out, err).
        With 'check', a non-zero exit raises LispctlError."""
        cmd = [self.ctl_bin, f"--rundir={rundir or self.rundir}", *args]
        r = run(cmd, ns=self.ns.name, check=False, env=self.env)
        if has_sanitizer_report(r.stderr):
            self._ctl_reports += 1
            (self.dir / f"ctlsan.{self._ctl_reports}").write_text(r.stderr)
        if check and r.returncode != 0:
            raise LispctlError([str(a) for a in args], r.returncode, r.stderr)
        return r.returncode, r.stdout, r.stderr

    def ctl_json(self, *args):
        return json.loads(self.ctl("--format=json", *args)[1])

    def port_stats(self, bridge):
        """dump-ports as {port name: row}."""
        return {row["name"]: row for row in self.ctl_json("dump-ports", bridge)}

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def sanitizer_reports(self):
        """Report files the sanitizers wrote (log_path), not yet raised by check_sanitizers."""
        return sorted(p for p in self.dir.glob("*san.*") if p.is_file())

    def _new_stderr(self):
        """What the daemon wrote to stderr since the last check. The sanitizers do not always
        honour log_path (GCC's UBSan inside an ASan build writes to stderr), so stderr is
        scanned too."""
        try:
            with open(self.dir / "stderr", "rb") as f:
                f.seek(self._stderr_seen)
                data = f.read()
        except FileNotFoundError:
            return ""
        self._stderr_seen += len(data)
        return data.decode(errors="replace")

    def check_sanitizers(self):
        """Raises AssertionError quoting every new ASan/UBSan report of the daemon or lispctl.
        A report is raised once: files are moved to 'reported/', so the teardown check does
        not fail a second time for what a test already failed for."""
        text = []
        for p in self.sanitizer_reports():
            text.append(f"--- {p.name} ---\n{p.read_text(errors='replace')[:6000]}")
            seen = self.dir / "reported"
            seen.mkdir(exist_ok=True)
            p.rename(seen / p.name)
        err = self._new_stderr()
        if has_sanitizer_report(err):
            text.append(f"--- lispswitchd stderr ---\n{err[:6000]}")
        if text:
            raise AssertionError("sanitizer reports:\n" + "\n".join(text))

    def terminate(self):
        """For cleanup: stops the daemon if it runs, however it can. Never raises."""
        if self.pid is None and self._starting:   # Interrupted while starting.
            try:
                self.pid = int(self.pidfile.read_text())
            except (FileNotFoundError, ValueError):
                return
        if self.pid is None:
            return
        try:
            if self.running():
                try:
                    self.stop(timeout=10)
                except TimeoutError:
                    self.kill9()
        except (ProcessLookupError, TimeoutError):
            pass
        self.pid = None


def _proc_exit(pid, block):
    """Best effort when the daemon is not our child: None while /proc/PID is a live process."""
    def gone():
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
        except FileNotFoundError:
            return True
    if block:
        wait_until(gone, timeout=10)
    return 0 if gone() else None


class Lab:
    """Everything one test (or the demo) builds; cleanup() removes it all."""

    def __init__(self, build=BUILD):
        become_subreaper()
        self.build = Path(build)
        self.prefix = f"lst-{os.getpid()}-{next(_counter)}"
        self.namespaces = []
        self.daemons = []
        self.procs = []
        self.dirs = []

    def netns(self, role):
        ns = Netns(f"{self.prefix}-{role}")
        self.namespaces.append(ns)   # First, so that an interrupted create() is cleaned up.
        return ns.create()

    def vm(self, hv, role, port, ip):
        """A VM namespace '<prefix>-<role>' linked to hypervisor namespace 'hv' by veth 'port'."""
        return Vm(self.netns(role), hv, port, ip)

    def tmpdir(self, tag):
        d = Path(tempfile.mkdtemp(prefix=f"lst-{tag}-"))
        self.dirs.append(d)
        return d

    def daemon(self, ns, start=True):
        d = Daemon(ns, self.tmpdir("d"), self.build)
        self.daemons.append(d)
        return d.start() if start else d

    def popen(self, cmd, ns=None, **kw):
        """A background process, killed at cleanup if it still runs."""
        full = (["ip", "netns", "exec", ns.name] if ns else []) + [str(c) for c in cmd]
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             **kw)
        self.procs.append(p)
        return p

    def check_sanitizers(self):
        """Raises AssertionError quoting the new sanitizer reports of every daemon."""
        problems = []
        for d in self.daemons:
            try:
                d.check_sanitizers()
            except AssertionError as e:
                problems.append(str(e))
        if problems:
            raise AssertionError("\n".join(problems))

    def cleanup(self, keep_dirs=False):
        """Stops daemons and processes (by PID), deletes namespaces (and with them every veth
        and TAP device inside), removes temporary directories unless 'keep_dirs'."""
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        for d in reversed(self.daemons):
            d.terminate()
        for ns in reversed(self.namespaces):
            ns.delete()
        if not keep_dirs:
            for d in self.dirs:
                shutil.rmtree(d, ignore_errors=True)
        self.namespaces = []


# --- README-lisp: hypervisors joined by LISP tunnels ------------------------------------------

LISP_MAC = "02:00:00:00:00:00"   # Both addresses of every decapsulated frame (README-lisp).
LISP_PORT = 4341

# README-lisp's four commands: ports tap0, eth0 and lisp0 become OpenFlow ports 1, 2 and 3.
GUIDE_COMMANDS = (
    ("add-br", "br0"),
    ("add-port", "br0", "tap0"),
    ("add-port", "br0", "eth0"),
    ("add-port", "br0", "lisp0", "--", "set", "Interface", "lisp0", "type=lisp",
     "options:remote_ip=flow", "options:key=flow"),
)


def is_v6(addr):
    return ":" in addr


def plain(addr):
    """'10.0.0.1/24' -> '10.0.0.1'."""
    return addr.split("/")[0]


def tun_dst_field(rloc):
    return "tun_ipv6_dst" if is_v6(rloc) else "tun_dst"


def guide_flows(vm_mac, eid_prefix, remote_rloc=None):
    """
    README-lisp's flows for one hypervisor: its VM's MAC, its EID prefix, the remote
    hypervisor's RLOC. For an IPv4 EID prefix they are the guide's four flows, verbatim. For an
    IPv6 prefix the ARP flow becomes two flows that keep Neighbour Discovery off the tunnel as
    the guide keeps ARP off it (neighbour solicitations and advertisements go NORMAL, over the
    underlay's L2 segment or to the hypervisor as router), and the tunnel flow matches IPv6.
    Without 'remote_rloc' the tunnel flow sets no destination: lisp0's map-cache gives it.
    """
    if is_v6(eid_prefix):
        local = [f"priority=2,in_port=1,icmp6,icmp_type={t},action=NORMAL" for t in (135, 136)]
        tunnel = f"priority=1,in_port=1,dl_type=0x86dd,vlan_tci=0,ipv6_src={eid_prefix}"
    else:
        local = ["priority=2,in_port=1,dl_type=0x0806,action=NORMAL"]
        tunnel = f"priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src={eid_prefix}"
    dst = f"set_field:{plain(remote_rloc)}->{tun_dst_field(remote_rloc)}," if remote_rloc else ""
    return [f"priority=3,dl_dst={LISP_MAC},action=mod_dl_dst:{vm_mac},output:1", *local,
            f"{tunnel},action={dst}output:3", "priority=0,action=NORMAL"]


def mac_hex(mac):
    return "0x" + mac.replace(":", "")


def ipv4_hex(addr):
    return "0x" + "".join(f"{int(b):02x}" for b in plain(addr).split("."))


def proxy_arp_flow(remote_eid, fake_mac):
    """The ARP responder OVS users write: answers the VM's ARP request for 'remote_eid' with
    'fake_mac', sending the request back out of the port it came from as a reply."""
    return ("priority=4,in_port=1,arp,arp_op=1,arp_tpa=" + plain(remote_eid) +
            ",actions=move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:" + fake_mac +
            ",load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]"
            ",load:" + mac_hex(fake_mac) + "->NXM_NX_ARP_SHA[]"
            ",move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]"
            ",load:" + ipv4_hex(remote_eid) + "->NXM_OF_ARP_SPA[],in_port")


class Hypervisor:
    """
    One hypervisor: a namespace with its lispswitchd, driven by lispctl. Commands run through
    ctl() and sh() are passed to 'echo' (label, argv, output) when one is given: the demo prints
    them as a tutorial would.
    """

    def __init__(self, lab, role, echo=None):
        self.lab = lab
        self.label = role
        self.echo = echo
        self.ns = lab.netns(role)
        self.d = lab.daemon(self.ns, start=False)
        self.vms = []
        self.rloc = None

    @property
    def vm(self):
        return self.vms[0]

    def start(self):
        self._show(["lispswitchd", *map(str, self.d.start_cmd()[1:])], "")
        self.d.start()

    def _show(self, argv, out):
        if self.echo:
            self.echo(self.label, argv, out)

    def ctl(self, *args):
        _, out, _ = self.d.ctl(*args)
        self._show(["lispctl", *args], out)
        return out

    def sh(self, *argv):
        r = self.ns.run(*argv)
        self._show(argv, r.stdout)
        return r.stdout

    def add_vm(self, role, port, ip):
        vm = self.lab.vm(self.ns, role, port, ip)
        self.vms.append(vm)
        return vm

    def guide_setup(self):
        """README-lisp's four commands, verbatim."""
        for cmd in GUIDE_COMMANDS:
            self.ctl(*cmd)

    def set_rloc(self, rloc, routes=()):
        """Gives br0 (the internal port) the hypervisor's underlay address 'rloc' and brings it
        up; 'routes' are (prefix, gateway) pairs, for a router between hypervisors."""
        self.rloc = rloc
        self.add_address("br0", rloc)
        self.sh("ip", "link", "set", "br0", "up")
        for prefix, via in routes:
            self.sh("ip", *(["-6"] if is_v6(via) else []), "route", "add", prefix, "via", via)

    def add_address(self, ifname, addr):
        if is_v6(addr):
            enable_ipv6(self.ns, ifname)
            self.sh("ip", "addr", "add", addr, "dev", ifname, "nodad")
        else:
            self.sh("ip", "addr", "add", addr, "dev", ifname)

    def add_flows(self, flows):
        for f in flows:
            self.ctl("add-flow", "br0", f)

    def ports(self):
        return self.d.port_stats("br0")

    def drops(self, port="lisp0"):
        """The datapath drop counters of 'port' that are not zero."""
        return {k: v for k, v in self.ports()[port]["drops"].items() if v}

    @property
    def rloc_addr(self):
        return plain(self.rloc)

    def flow_count(self, prefix):
        """n_packets of the one flow whose dump-flows text starts with 'prefix'."""
        flows = self.flow_packets()
        found = [n for text, n in flows.items() if text.startswith(prefix)]
        if len(found) != 1:
            raise AssertionError(f"{len(found)} flows start with {prefix!r}: {flows}")
        return found[0]

    def flow_packets(self):
        """{flow as dump-flows prints its match and actions: n_packets}."""
        out = self.d.ctl("dump-flows", "br0")[1]
        res = {}
        for line in out.splitlines():
            m = re.search(r"n_packets=(\d+),.*?(priority=\S+(?: actions=\S+)?)\s*$", line)
            if m:
                res[m.group(2)] = int(m.group(1))
        return res


def eid_plan(scenario, family):
    """
    (EID of VM1, EID of VM2, EID prefix at hypervisor 1, at hypervisor 2, gateways or None) for
    README-lisp's scenario 1 and 2 (one EID subnet) or 3 (one subnet per hypervisor, whose br0
    is the VMs' default router).
    """
    if scenario in (1, 2):
        if family == 6:
            return "fd00:1::1/64", "fd00:1::2/64", "fd00:1::/64", "fd00:1::/64", None
        return "10.1.0.1/24", "10.1.0.2/24", "10.1.0.0/24", "10.1.0.0/24", None
    if family == 6:
        return ("fd00:11::1/64", "fd00:12::1/64", "fd00:11::/64", "fd00:12::/64",
                ("fd00:11::fe/64", "fd00:12::fe/64"))
    return ("10.1.1.1/24", "10.1.2.1/24", "10.1.1.0/24", "10.1.2.0/24",
            ("10.1.1.254/24", "10.1.2.254/24"))


def rloc_plan(scenario, family):
    """(RLOC of hypervisor 1, of hypervisor 2, router addresses or None)."""
    if scenario == 2:
        if family == 6:
            return "fd00:f1::1/64", "fd00:f2::1/64", ("fd00:f1::fe/64", "fd00:f2::fe/64")
        return "192.168.1.1/24", "192.168.2.1/24", ("192.168.1.254/24", "192.168.2.254/24")
    if family == 6:
        return "fd00:ff::1/64", "fd00:ff::2/64", None
    return "192.168.0.1/24", "192.168.0.2/24", None


PROXY_ARP_MAC = "00:00:5e:00:53:01"   # RFC 7042's documentation range.


def readme_lisp(lab, scenario, eid=4, rloc=4, arp="static", echo=None, daemon_args=()):
    """
    README-lisp with two hypervisors, each with one VM on tap0, the uplink eth0 and lisp0:

                   [vm1] eth0 EID1                         [vm2] eth0 EID2
                        |                                       |
                   tap0 (1)                                tap0 (1)
        lisp0 (3) -- br0 (hv1) -- eth0 (2) ==== ... ==== eth0 (2) -- br0 (hv2) -- lisp0 (3)
                   br0: RLOC1                              br0: RLOC2

    Scenario 1: the two eth0 are one veth pair (one L2 segment); VMs in one subnet.
    Scenario 2: a router namespace between them (hv1 eth0 == eth1 [r0] eth2 == hv2 eth0), each
    hypervisor in its own subnet; VMs in one subnet with static neighbour entries for each other
    ('arp'="static") or proxy ARP flows on the hypervisors ('arp'="proxy", IPv4 only).
    Scenario 3: one L2 segment as in 1; VMs in different subnets, the hypervisor's br0 carries
    the gateway address and the VMs route through it.

    'eid' and 'rloc' are the address families (4 or 6) of the VMs and of the underlay;
    'daemon_args' more lispswitchd options for both hypervisors. Every lispctl command is the
    guide's. Returns a namespace with hv1, hv2 (Hypervisor), vm1, vm2 and
    router (a Netns or None).
    """
    e1, e2, p1, p2, gws = eid_plan(scenario, eid)
    r1, r2, rgw = rloc_plan(scenario, rloc)
    hv1, hv2 = Hypervisor(lab, "hv1", echo), Hypervisor(lab, "hv2", echo)
    vm1, vm2 = hv1.add_vm("vm1", "tap0", e1), hv2.add_vm("vm2", "tap0", e2)
    router = None
    if scenario == 2:
        router = lab.netns("r0")
        veth(hv1.ns, "eth0", router, "eth1")
        veth(hv2.ns, "eth0", router, "eth2")
        for ifname, addr in zip(("eth1", "eth2"), rgw):
            if is_v6(addr):
                enable_ipv6(router, ifname)
                router.ip("addr", "add", addr, "dev", ifname, "nodad")
            else:
                router.ip("addr", "add", addr, "dev", ifname)
            router.ip("link", "set", ifname, "up")
        router.sysctl("net.ipv6.conf.all.forwarding" if rloc == 6 else "net.ipv4.ip_forward", 1)
    else:
        veth(hv1.ns, "eth0", hv2.ns, "eth0")
    for hv, mine, other, gw in ((hv1, r1, r2, rgw and rgw[0]), (hv2, r2, r1, rgw and rgw[1])):
        hv.d.extra_args += daemon_args
        hv.start()
        hv.guide_setup()
        net = str(ipaddress.ip_interface(other).network)
        hv.set_rloc(mine, [(net, plain(gw))] if gw else [])
    for hv, vm, prefix, other, gw in ((hv1, vm1, p1, hv2, gws and gws[0]),
                                      (hv2, vm2, p2, hv1, gws and gws[1])):
        if gw:
            hv.add_address("br0", gw)
        hv.add_flows(guide_flows(vm.mac, prefix, other.rloc))
        if gw:
            vm.ns.ip("route", "add", "default", "via", plain(gw))
    if scenario == 2 and arp == "static":
        vm1.neigh(vm2.addr, vm2.mac)
        vm2.neigh(vm1.addr, vm1.mac)
    elif scenario == 2 and arp == "proxy":
        hv1.add_flows([proxy_arp_flow(vm2.addr, PROXY_ARP_MAC)])
        hv2.add_flows([proxy_arp_flow(vm1.addr, PROXY_ARP_MAC)])
    return types.SimpleNamespace(hv1=hv1, hv2=hv2, vm1=vm1, vm2=vm2, router=router)


# --- A mapping system: hypervisors that learn each other from a map-server -------------------

MS_ADDR = "192.168.0.100"


def mapped_eid(i, eid=4):
    """(EID prefix, VM address, router address on br0) of hypervisor 'i'."""
    if eid == 6:
        return f"fd00:{i}::/64", f"fd00:{i}::1/64", f"fd00:{i}::fe/64"
    return f"10.1.{i}.0/24", f"10.1.{i}.1/24", f"10.1.{i}.254/24"


def site_key(i):
    return f"key-of-hv{i}"


def mapping_options(i, probe=30, register=60, key=None, auth=None, eid=4):
    """lisp0's control-plane options on hypervisor 'i'."""
    opts = [f"options:map_resolver={MS_ADDR}", f"options:map_server={MS_ADDR}",
            f"options:map_server_key={key or site_key(i)}",
            f"options:eid_prefix={mapped_eid(i, eid)[0]}",
            f"options:rloc_probe_interval={probe}", f"options:map_register_interval={register}"]
    return opts + ([f"options:map_server_auth={auth}"] if auth else [])


def mapped_lisp(lab, n=3, echo=None, probe=30, register=60, eid=4):
    """
    'n' hypervisors and a map-server on one L2 underlay (a Linux bridge in namespace "ul"):

        [vmI] 10.1.I.1/24 -- tap0 (1) br0 (hvI) eth0 (2) == ul == eth0 [ms] 192.168.0.100
                              br0: 192.168.0.I/24 (RLOC), 10.1.I.254/24 (the VM's router)

    Every hypervisor runs README-lisp's commands, gives br0 its addresses, then gives lisp0 the
    map-server (also the map-resolver), its key and its EID prefix 10.1.I.0/24; its flows set no
    tunnel destination. The map-server namespace runs its own lispswitchd with one site per
    hypervisor. With 'eid' 6 the VMs are fd00:I::1/64 behind fd00:I::fe (IPv6 EIDs over the same
    IPv4 RLOCs). Returns once the map-server holds every hypervisor's registration (a Map-Request
    before that would get a negative reply, cached for a minute), with a namespace with hvs, vms,
    ms (Hypervisor) and ul (Netns).
    """
    ul = lab.netns("ul")
    ul.ip("link", "add", "sw", "type", "bridge")
    ul.ip("link", "set", "sw", "up")
    ms = Hypervisor(lab, "ms", echo)
    hvs = [Hypervisor(lab, f"hv{i}", echo) for i in range(1, n + 1)]
    for i, hv in enumerate([ms] + hvs):
        port = f"p{i}"
        veth(hv.ns, "eth0", ul, port)
        ul.ip("link", "set", port, "master", "sw")
        ul.ip("link", "set", port, "up")
    ms.ns.ip("addr", "add", MS_ADDR + "/24", "dev", "eth0")
    ms.ns.ip("link", "set", "eth0", "up")
    ms.start()
    for i in range(1, n + 1):
        ms.ctl("lisp/ms-add-site", f"hv{i}", site_key(i), mapped_eid(i, eid)[0])
    vms = []
    for i, hv in enumerate(hvs, 1):
        prefix, addr, router = mapped_eid(i, eid)
        vm = hv.add_vm(f"vm{i}", "tap0", addr)
        hv.start()
        hv.guide_setup()
        # The RLOC first: lisp0 registers from it (a register that finds no route waits a whole
        # map_register_interval; see test_mapping.py).
        hv.set_rloc(f"192.168.0.{i}/24")
        hv.add_address("br0", router)
        hv.ctl("set", "Interface", "lisp0", *mapping_options(i, probe, register, eid=eid))
        hv.add_flows(guide_flows(vm.mac, prefix))
        vm.ns.ip(*(["-6"] if eid == 6 else []), "route", "add", "default", "via", plain(router))
        vms.append(vm)
    if not wait_until(lambda: ms_registered(ms.d) >= {f"hv{i}" for i in range(1, n + 1)},
                      timeout=10, interval=0.1):
        raise RuntimeError(f"map-server: registered sites {sorted(ms_registered(ms.d))} "
                           f"after 10 s, not hv1..hv{n}")
    return types.SimpleNamespace(hvs=hvs, vms=vms, ms=ms, ul=ul)


def ms_registered(daemon):
    """The names of the map-server's sites that hold at least one registration."""
    return {s["name"] for s in daemon.ctl_json("lisp/ms-show")["sites"] if s["registrations"]}


# --- Capturing and decoding, sending crafted datagrams -----------------------------------------

class Capture:
    """tcpdump -w on 'ifname' in namespace 'ns', bounded in packets ('count') and time
    ('seconds'); the constructor returns once the capture is live. Immediate mode: each packet
    is written as it arrives, so that ending the capture early loses none. (Capture where the
    packets arrive: the daemon sends through packet sockets that bypass the interface's taps.)"""

    def __init__(self, lab, ns, ifname, path, count, bpf=f"udp port {LISP_PORT}", seconds=15):
        self.path = Path(path)
        self.proc = lab.popen(["timeout", "-s", "INT", seconds, "tcpdump", "-i", ifname, "-n",
                               "-U", "--immediate-mode", "-Z", "root", "-c", count,
                               "-w", self.path, bpf], ns=ns)
        line = self.proc.stderr.readline()
        while line and "listening on" not in line:
            line = self.proc.stderr.readline()
        if "listening on" not in line:
            raise RuntimeError(f"tcpdump did not start: {line!r}")

    def stop(self, timeout=15):
        """Waits for the capture to reach its count (at most 'timeout' seconds, then ends it);
        returns the file."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=5)
        return self.path

    def end(self):
        """Ends the capture now (SIGINT to timeout, which passes it to tcpdump)."""
        if self.proc.poll() is None:
            time.sleep(0.2)   # -U writes each packet at once; let the last ones land.
            self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=10)
        return self.path


def tshark_fields(path, fields, options=()):
    """Decodes a capture: one list of field values per packet ('fields' as tshark names them,
    'options' such as ["-Y", FILTER] or ["-o", PREF])."""
    cmd = ["tshark", "-r", path, *options, "-T", "fields",
           *itertools.chain(*(("-e", f) for f in fields))]
    out = run(cmd, timeout=30).stdout
    return [line.split("\t") for line in out.splitlines()]


_SEND_UDP = """
import socket, struct, sys
dst, hexes = sys.argv[1], sys.argv[5:]
sport, dport, tos = map(int, sys.argv[2:5])
v6 = ":" in dst
s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
if v6:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
else:
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
for h in hexes:
    payload = bytes.fromhex(h)
    s.sendto(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload, (dst, 0))
"""


def send_udp(ns, dst, payloads, sport=LISP_PORT, dport=LISP_PORT, tos=0):
    """Sends each of 'payloads' (bytes) in one UDP datagram from namespace 'ns' to 'dst' through
    a raw socket, so that any source port works (4341 as OOR and VPP send) even where a
    lispswitchd holds it. IPv4 datagrams carry checksum 0; IPv6 ones a computed checksum."""
    run([PYTHON, "-c", _SEND_UDP, plain(dst), sport, dport, tos, *(p.hex() for p in payloads)],
        ns=ns.name)


def leftover_namespaces(prefix):
    """Namespaces whose name starts with 'prefix' (to check that cleanup left none)."""
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


if __name__ == "__main__":
    sys.exit("lsnet is a module: see tests/system/conftest.py and scripts/demo.py")
