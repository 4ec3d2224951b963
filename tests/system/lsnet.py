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
        netns.ip("addr", "add", ip, "dev", self.ifname)
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

    def sendp(self, frame, count):
        """Sends 'frame' (bytes of a whole Ethernet frame) 'count' times out of eth0 with
        scapy's sendp, from inside the VM's namespace."""
        code = ("import sys\n"
                "from scapy.layers.l2 import Ether\n"
                "from scapy.sendrecv import sendp\n"
                "sendp(Ether(bytes.fromhex(sys.argv[1])), iface=sys.argv[2],"
                " count=int(sys.argv[3]), verbose=False)\n")
        self.ns.run(PYTHON, "-c", code, frame.hex(), self.ifname, count)


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
        self.env = dict(os.environ,
                        ASAN_OPTIONS=f"detect_leaks=1:abort_on_error=0:log_path={self.dir}/asan",
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
                "--log-file", self.log, "--detach", *extra]

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
                               env=self.env, timeout=DEFAULT_TIMEOUT)
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


def leftover_namespaces(prefix):
    """Namespaces whose name starts with 'prefix' (to check that cleanup left none)."""
    out = run(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(prefix)]


if __name__ == "__main__":
    sys.exit("lsnet is a module: see tests/system/conftest.py and scripts/demo.py")
