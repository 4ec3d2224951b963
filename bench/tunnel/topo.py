"""
The set-ups of the side-by-side benchmark, each README-lisp's scenario 1 in namespaces of its
own:

    [vm1] eth0 10.0.0.1/24 == tap0 [hv1] eth0 ======== eth0 [hv2] tap0 == eth0 10.0.0.2/24 [vm2]
                                  192.168.0.1/24        192.168.0.2/24

  - LispSwitch: lispswitchd in hv1 and hv2, configured with lispctl exactly as README-lisp
    (tap0, eth0, lisp0 = ports 1, 2, 3; the hypervisor address on br0; the guide's four flows).
  - LispSwitchPoll: the same with --always-poll, the daemons never sleeping.
  - Ovs: Open vSwitch 3.1 userspace (datapath_type=netdev), one private ovsdb-server and
    ovs-vswitchd per hypervisor namespace (own run/db/log directories, own sockets, killed by
    the pid of their pidfile), an L3 GRE port (packet_type=legacy_l3, remote_ip=flow, key=flow)
    and the guide's flows adapted to it (see ovs_flows).
  - OvsAfxdp: the same OVS with AF_XDP physical ports and a busy-polling PMD thread per
    hypervisor, each on a core of its own.
  - Kernel: no switch; the hypervisors route the VMs' packets through a VXLAN-GPE device on
    UDP port 4341 (LISP's port; VXLAN-GPE's 8-byte header has LISP's shape) with per-route
    encapsulation ("encap ip dst RLOC"), proxy ARP towards the VMs.

Everything lives in namespaces named lsb-<pid>-<n>-<role>; nothing is created in the root
namespace and the namespaces have no link out. Each set-up's teardown() removes all it made.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "system"))
import lsnet  # noqa: E402

VM_MTU = 1400          # Room for any of the three tunnels' headers under a 1500-byte underlay.
VM1_IP, VM2_IP = "10.0.0.1", "10.0.0.2"
HV1_IP, HV2_IP = "192.168.0.1", "192.168.0.2"
LISP_PORT = 4341


def pid_rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def kill_pid(pid, timeout=5.0):
    """SIGTERM, then SIGKILL, process 'pid' (reaped if it is our child). Never raises."""
    def gone():
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return False
        except (FileNotFoundError, ProcessLookupError):
            return True
        try:        # A zombie: reap it if it is ours (a detached daemon of our subreaper).
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return True
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if lsnet.wait_until(gone, timeout=timeout):
            return


class Setup:
    """Common part: the four namespaces, the VMs, the underlay veth."""
    name = "?"
    label = "?"
    tag = "?"           # Short name, in the ratio columns and the chart.

    def __init__(self, lab, build):
        self.lab = lab
        self.build = build
        self.notes = []

    def base(self):
        lab = self.lab
        self.hv1, self.hv2 = lab.netns("hv1"), lab.netns("hv2")
        self.vm1 = lab.vm(self.hv1, "vm1", "tap0", f"{VM1_IP}/24")
        self.vm2 = lab.vm(self.hv2, "vm2", "tap0", f"{VM2_IP}/24")
        for vm, hv in ((self.vm1, self.hv1), (self.vm2, self.hv2)):
            vm.ns.ip("link", "set", "eth0", "mtu", VM_MTU)
            hv.ip("link", "set", "tap0", "mtu", VM_MTU)
        self.hv1.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0",
                    "netns", self.hv2.name)
        for ns in (self.hv1, self.hv2, self.vm1.ns, self.vm2.ns):
            for key in ("all", "default"):
                ns.sysctl(f"net.ipv4.conf.{key}.rp_filter", 0)

    # What the harness asks of a set-up.
    def switch_pids(self):
        return []

    def teardown(self):
        pass


class LispSwitch(Setup):
    name = "lispswitch"
    label = "lispswitch (lisp port)"
    tag = "lispswitch"
    daemon_args = []    # More lispswitchd options (bench.py --lispswitchd-args).
    mode_args = []      # The variant's own options.

    def flows(self, vm_mac, src, remote):
        return [
            f"priority=3,dl_dst=02:00:00:00:00:00,action=mod_dl_dst:{vm_mac},output:1",
            "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
            f"priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src={src},"
            f"action=set_field:{remote}->tun_dst,output:3",
            "priority=0,action=NORMAL",
        ]

    def up(self):
        self.base()
        self.daemons = []
        for hv, vm, me, peer in ((self.hv1, self.vm1, HV1_IP, HV2_IP),
                                 (self.hv2, self.vm2, HV2_IP, HV1_IP)):
            d = self.lab.daemon(hv, start=False)
            d.extra_args = self.daemon_args + self.mode_args
            d.start()
            self.daemons.append(d)
            d.ctl("add-br", "br0")
            d.ctl("add-port", "br0", "tap0")
            d.ctl("add-port", "br0", "eth0")
            d.ctl("add-port", "br0", "lisp0", "--", "set", "Interface", "lisp0", "type=lisp",
                  "options:remote_ip=flow", "options:key=flow")
            hv.ip("addr", "add", f"{me}/24", "dev", "br0")
            hv.ip("link", "set", "br0", "up")
            for f in self.flows(vm.mac, f"{vm.addr}/32", peer):
                d.ctl("add-flow", "br0", f)

    def switch_pids(self):
        return [d.pid for d in self.daemons]

    def diagnose(self):
        out = []
        for d in self.daemons:
            out.append(d.ctl("dump-flows", "br0", check=False)[1])
            out.append(d.ctl("dump-ports", "br0", check=False)[1])
            out.append(d.log_tail(10))
        return "\n".join(out)


class LispSwitchPoll(LispSwitch):
    """The same, both daemons never sleeping (--always-poll): the counterpart of OVS's PMD."""
    name = "lispswitch-poll"
    label = "lispswitch --always-poll"
    tag = "lispswitch poll"
    mode_args = ["--always-poll"]


# README-lisp's flows adapted to OVS's L3 GRE port (see docs/performance.md). On receive, OVS
# gives a packet from a legacy_l3 port a dummy Ethernet header with both addresses zero (not
# LISP's 02:00:00:00:00:00), so the guide's priority=3 flow matches the tunnel port instead and
# writes both addresses: the VM's as destination, the hypervisor bridge's as source.
def ovs_flows(vm_mac, br_mac, src, remote):
    return [
        f"priority=3,in_port=3,action=mod_dl_src:{br_mac},mod_dl_dst:{vm_mac},output:1",
        "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
        f"priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src={src},"
        f"action=set_field:{remote}->tun_dst,output:3",
        "priority=0,action=NORMAL",
    ]


class OvsHost:
    """One private ovsdb-server + ovs-vswitchd in namespace 'ns', in directory 'd'."""

    def __init__(self, ns, d):
        self.ns = ns
        self.dir = Path(d)
        self.db_sock = self.dir / "db.sock"
        self.env = dict(os.environ, OVS_RUNDIR=str(self.dir), OVS_DBDIR=str(self.dir),
                        OVS_LOGDIR=str(self.dir), OVS_SYSCONFDIR=str(self.dir))
        self.pids = {}

    def run(self, *cmd, timeout=20, check=True):
        full = ["ip", "netns", "exec", self.ns.name, *map(str, cmd)]
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, env=self.env)
        if check and r.returncode != 0:
            raise RuntimeError(f"{' '.join(full)}: exit {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def start(self):
        d = self.dir
        subprocess.run(["ovsdb-tool", "create", d / "conf.db",
                        "/usr/share/openvswitch/vswitch.ovsschema"], check=True, env=self.env,
                       capture_output=True, timeout=20)
        for prog, args in (("ovsdb-server", [d / "conf.db", f"--remote=punix:{self.db_sock}"]),
                           ("ovs-vswitchd", [f"unix:{self.db_sock}"])):
            # Registered before starting, so that an interrupted start is still cleaned up.
            self.pids[prog] = None
            self.run(prog, *args, f"--pidfile={d / prog}.pid", "--detach", "--no-chdir",
                     f"--log-file={d / prog}.log", f"--unixctl={d / prog}.ctl")
            self.pids[prog] = int((d / f"{prog}.pid").read_text())
            if prog == "ovsdb-server":
                self.vsctl("--no-wait", "init")

    def vsctl(self, *args):
        return self.run("ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=20", *args)

    def ofctl(self, *args):
        return self.run("ovs-ofctl", *args)

    def appctl(self, *args, check=True):
        return self.run("ovs-appctl", f"--target={self.dir / 'ovs-vswitchd.ctl'}", *args,
                        check=check)

    def stop(self):
        for prog in ("ovs-vswitchd", "ovsdb-server"):
            pid = self.pids.get(prog)
            if pid is None and prog in self.pids:    # Interrupted while starting.
                try:
                    pid = int((self.dir / f"{prog}.pid").read_text())
                except (FileNotFoundError, ValueError):
                    pid = None
            if pid:
                kill_pid(pid)
        self.pids = {}


class Ovs(Setup):
    name = "ovs"
    label = "OVS 3.1 userspace (L3 GRE)"
    tag = "OVS"
    port_type = []      # The physical ports' Interface settings: plain netdev (AF_PACKET).

    def configure(self, h, index):
        """Settings of hypervisor 'index' (0 or 1) that a variant adds before its bridge."""

    def up(self):
        self.base()
        self.hosts = []
        # OVS 3.1's netdev datapath reads AF_PACKET without the vnet header (userspace TSO is
        # off by default), so a VM's checksum-offloaded packets would leave with the partial
        # checksum and be dropped by the receiver: UDP and TCP stall. Off in both VMs.
        for vm in (self.vm1, self.vm2):
            vm.ns.run("ethtool", "-K", "eth0", "tx", "off")
        self.notes.append("VM checksum offload (tx) turned off in both VMs, which OVS "
                          "userspace needs for UDP/TCP to pass (TSO goes off with it)")
        for hv, vm, me, peer in ((self.hv1, self.vm1, HV1_IP, HV2_IP),
                                 (self.hv2, self.vm2, HV2_IP, HV1_IP)):
            h = OvsHost(hv, self.lab.tmpdir("ovs"))
            self.hosts.append(h)
            h.start()
            self.configure(h, len(self.hosts) - 1)
            h.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev",
                    "--", "add-port", "br0", "tap0", "--", "set", "Interface", "tap0",
                    "ofport_request=1", *self.port_type,
                    "--", "add-port", "br0", "eth0", "--", "set", "Interface", "eth0",
                    "ofport_request=2", *self.port_type,
                    "--", "add-port", "br0", "gre0", "--", "set", "Interface", "gre0",
                    "type=gre", "options:packet_type=legacy_l3", "options:remote_ip=flow",
                    "options:key=flow", "ofport_request=3")
            lsnet.wait_until(lambda: hv.link_exists("br0"), timeout=10)
            for dev in ("tap0", "eth0"):
                hv.ip("link", "set", dev, "up")
            hv.ip("addr", "add", f"{me}/24", "dev", "br0")
            hv.ip("link", "set", "br0", "up")
            br_mac = json.loads(hv.ip("-j", "link", "show", "br0").stdout)[0]["address"]
            h.ofctl("del-flows", "br0")
            for f in ovs_flows(vm.mac, br_mac, f"{vm.addr}/32", peer):
                h.ofctl("add-flow", "br0", f)

    def switch_pids(self):
        return [h.pids["ovs-vswitchd"] for h in self.hosts]

    def diagnose(self):
        out = []
        for h in self.hosts:
            out.append(h.ofctl("dump-flows", "br0"))
            out.append(h.appctl("tnl/neigh/show", check=False))
            out.append(h.appctl("ovs/route/show", check=False))
            out.append((h.dir / "ovs-vswitchd.log").read_text()[-2000:])
        return "\n".join(out)

    def teardown(self):
        for h in getattr(self, "hosts", []):
            h.stop()


class OvsAfxdp(Ovs):
    """The same OVS, its two physical ports AF_XDP (Debian's build links libxdp), each
    hypervisor's poll-mode thread busy-polling a core of its own: hv1 core 0, hv2 core 1."""
    name = "ovs-afxdp"
    label = "OVS 3.1 userspace AF_XDP (L3 GRE, PMD)"
    tag = "OVS AF_XDP"
    port_type = ["type=afxdp"]

    def configure(self, h, index):
        h.vsctl("set", "Open_vSwitch", ".", f"other_config:pmd-cpu-mask={1 << index:#x}")


class Kernel(Setup):
    name = "kernel"
    label = "kernel VXLAN-GPE :4341 (no switch)"
    tag = "kernel"

    def up(self):
        self.base()
        for hv, vm, me, peer, other_vm in ((self.hv1, self.vm1, HV1_IP, HV2_IP, VM2_IP),
                                           (self.hv2, self.vm2, HV2_IP, HV1_IP, VM1_IP)):
            hv.sysctl("net.ipv4.ip_forward", 1)
            hv.ip("addr", "add", f"{me}/24", "dev", "eth0")
            hv.ip("link", "set", "eth0", "up")
            hv.ip("link", "add", "vx0", "type", "vxlan", "gpe", "dstport", LISP_PORT, "external")
            hv.ip("link", "set", "vx0", "up")
            hv.ip("link", "set", "tap0", "up")
            hv.sysctl("net.ipv4.conf.tap0.proxy_arp", 1)
            hv.ip("route", "add", f"{vm.addr}/32", "dev", "tap0")
            hv.ip("route", "add", f"{other_vm}/32", "encap", "ip", "id", "0", "dst", peer,
                  "dev", "vx0")

    def diagnose(self):
        return "\n".join(ns.ip("route").stdout + ns.ip("-s", "link").stdout
                         for ns in (self.hv1, self.hv2))


SETUPS = {cls.name: cls for cls in (LispSwitch, LispSwitchPoll, Ovs, OvsAfxdp, Kernel)}
