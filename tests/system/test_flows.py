"""
The flow table through a real daemon: README-lisp's flows with real traffic and exact counters,
tables replaced under traffic, the flow-mod verbs, persistence, timeouts, several tables,
output actions, ofproto/trace, header rewrites on the wire, the ARP responder idiom, bad flows,
and parse-flow against ovs-ofctl.

Topology of most tests (three_vms):

    [vm1 ns]  eth0 10.1.1.1/24 ==veth== p1 (port 1) --+
    [vm2 ns]  eth0 10.1.1.2/24 ==veth== p2 (port 2) --+-- br0 (lispswitchd, hv ns; LOCAL down)
    [sink ns] eth0 10.1.1.3/24 ==veth== p3 (port 3) --+

p3 stands for README-lisp's lisp port 3: a plain system port, where set_field:IP->tun_dst only
changes the key. Frames are sent from the VMs' namespaces with packet sockets; what arrives is
captured there with tcpdump and decoded with scapy or tshark.
"""
import json
import subprocess
import time
import types

import pytest

import flowlab
import lsnet
from flowlab import ETH_EXPERIMENTAL

FAKE = "02:00:00:00:00:00"     # Ethernet of packets a lisp port hands to the bridge.
UNKNOWN = "02:00:00:00:00:33"  # A unicast MAC no VM has.
DEFAULT_FLOW = (0, 0, "")      # The flow a new bridge has: priority=0 actions=NORMAL.

def three_vms(lab, br_up=False):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vms = [lab.vm(hv, role, port, f"10.1.1.{i}/24")
           for i, (role, port) in enumerate([("vm1", "p1"), ("vm2", "p2"), ("sink", "p3")], 1)]
    d.ctl("add-br", "br0")
    lsnet.attach(d, "br0", *vms)
    if br_up:
        hv.ip("link", "set", "br0", "up")
    return types.SimpleNamespace(hv=hv, d=d, vm1=vms[0], vm2=vms[1], sink=vms[2])


@pytest.fixture
def net(lab):
    return three_vms(lab)


def readme_flows(vm1_mac):
    """README-lisp's four flows, with VM1's MAC for the one that hands tunnel traffic to it."""
    return [
        f"priority=3,dl_dst={FAKE},action=mod_dl_dst:{vm1_mac},output:1",
        "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
        "priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src=10.1.1.0/24,"
        "action=set_field:192.168.0.2->tun_dst,output:3",
        "priority=0,action=NORMAL",
    ]


def readme_keys(vm1_mac):
    return {
        "p3": (0, 3, f"dl_dst={FAKE}"),
        "p2": (0, 2, "arp,in_port=1"),
        "p1": (0, 1, "ip,in_port=1,vlan_tci=0x0000,nw_src=10.1.1.0/24"),
        "p0": DEFAULT_FLOW,
    }


def arp_request(src_mac, src_ip, dst_ip):
    from scapy.layers.l2 import ARP, Ether
    return flowlab.pad(Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") /
                       ARP(op=1, hwsrc=src_mac, psrc=src_ip, pdst=dst_ip), 60)


def udp4(src_mac, dst_mac, src_ip, dst_ip, size, vlan=None, sport=1000, dport=5000):
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Dot1Q, Ether
    eth = Ether(src=src_mac, dst=dst_mac)
    if vlan is not None:
        eth = eth / Dot1Q(vlan=vlan)
    return flowlab.pad(eth / IP(src=src_ip, dst=dst_ip) / UDP(sport=sport, dport=dport), size)


# --- 1. README-lisp's flows with real traffic ------------------------------------------------

def test_readme_flows_count_real_traffic(lab, net):
    """
    README-lisp's four flows on br0. Exact numbers of frames of known sizes hit each flow:

      priority=3 (dl_dst 02:00:00:00:00:00): 4 x 80 B from VM2, rewritten to VM1's MAC and sent
                 to port 1 (VM1 captures them), and 1 x 64 B from VM1 itself, whose output:1 is
                 the input port: skipped, the frame dropped (action_drop on p1), as in OVS;
      priority=2 (ARP from port 1): 3 x 60 B ARP requests from VM1, flooded by NORMAL;
      priority=1 (IPv4, port 1, untagged, 10.1.1.0/24): 7 x 100 B UDP from VM1 -> port 3;
      priority=0: 2 x 90 B IPv4 from VM1 outside the prefix, 2 x 104 B IPv4 from VM1 in the
                 prefix but tagged VLAN 10, 1 x 100 B IPv4 from VM2 (not port 1), 1 x 60 B ARP
                 from VM2.
    n_packets/n_bytes of every flow, dump-tables and the ports' tx counters are exact.
    """
    d, vm1, vm2 = net.d, net.vm1, net.vm2
    for flow in readme_flows(vm1.mac):
        d.ctl("add-flow", "br0", flow)
    k = readme_keys(vm1.mac)
    assert flowlab.counters(d, "br0") == {key: (0, 0) for key in k.values()}
    assert flowlab.tables(d, "br0") == {0: (4, 0, 0)}

    cap = flowlab.Capture(lab, vm1.ns, lab.tmpdir("cap") / "vm1.pcap",
                          bpf=["ether", "proto", str(ETH_EXPERIMENTAL)])
    flowlab.send(vm1.ns, [
        (arp_request(vm1.mac, "10.1.1.1", "10.1.1.99"), 3),
        (udp4(vm1.mac, UNKNOWN, "10.1.1.1", "10.1.1.50", 100), 7),
        (udp4(vm1.mac, UNKNOWN, "10.2.2.2", "10.1.1.50", 90), 2),
        (udp4(vm1.mac, UNKNOWN, "10.1.1.1", "10.1.1.50", 104, vlan=10), 2),
        (flowlab.frame(vm1.mac, FAKE, 64), 1),
    ])
    flowlab.send(vm2.ns, [
        (flowlab.frame(vm2.mac, FAKE, 80), 4),
        (udp4(vm2.mac, UNKNOWN, "10.1.1.2", "10.1.1.50", 100), 1),
        (arp_request(vm2.mac, "10.1.1.2", "10.1.1.98"), 1),
    ])
    got = flowlab.settle_counters(d, "br0", 21)
    assert got == {
        k["p3"]: (5, 4 * 80 + 64),
        k["p2"]: (3, 3 * 60),
        k["p1"]: (7, 7 * 100),
        k["p0"]: (6, 2 * 90 + 2 * 104 + 100 + 60),
    }
    assert flowlab.tables(d, "br0") == {0: (4, 21, 21)}

    # VM1 got the four frames of the priority=3 flow, with the destination rewritten.
    frames = cap.stop()
    assert [(f.src, f.dst, len(f)) for f in frames] == [(vm2.mac, vm1.mac, 80)] * 4
    # Ports: flood copies (ARP x3, priority 0 x6) plus the explicit outputs.
    tx = flowlab.tx_packets(d, "br0")
    assert (tx["p1"], tx["p2"], tx["p3"]) == (4 + 2, 3 + 2 + 2, 3 + 7 + 2 + 2 + 1 + 1), tx
    assert flowlab.drops(d, "br0", "p1") == {"action_drop": 1}
    assert flowlab.drops(d, "br0", "p2") == {}


# --- 2. Table replaced under traffic --------------------------------------------------------

TABLE_A = [
    "priority=10,udp,in_port=1,nw_dst=10.1.1.2,actions=output:2",
    "priority=10,udp,in_port=1,nw_dst=10.1.1.3,actions=output:3",
    "priority=0,actions=drop",
]
TABLE_B = [
    "priority=20,in_port=1,dl_dst=02:00:00:00:00:22,actions=output:p2",
    "priority=10,udp,in_port=1,nw_dst=10.1.1.3,actions=output:3",
    "priority=0,actions=drop",
]


def seqs(frames, dst_ip):
    """Sequence numbers (first 4 bytes of UDP payload) of the UDP frames to 'dst_ip'."""
    from scapy.layers.inet import IP, UDP
    out = []
    for f in frames:
        if IP in f and UDP in f and f[IP].dst == dst_ip:
            out.append(int.from_bytes(bytes(f[UDP].payload)[:4], "big"))
    return out


def test_replace_flows_under_traffic(lab, net, tmp_path):
    """
    VM1 sends 2200 UDP frames at 1000/s: 9 of 10 to 10.1.1.2 (MAC 02:..:22, which no kernel
    takes, so nobody answers), 1 of 10 to 10.1.1.3. Meanwhile replace-flows swaps br0 between
    table A and table B, which send the first stream to port 2 by different flows and share
    the flow for the second stream and a priority=0 drop. Every frame arrives exactly once
    where it should (sequence numbers checked at both receivers), nothing is dropped, and the
    shared flows keep their counters across every swap.
    """
    d, vm1 = net.d, net.vm1
    file_a = flowlab.write_flows(tmp_path / "a.flows", TABLE_A)
    file_b = flowlab.write_flows(tmp_path / "b.flows", TABLE_B)
    d.ctl("replace-flows", "br0", file_a)
    shared = (0, 10, "udp,in_port=1,nw_dst=10.1.1.3")
    to_vm2 = udp4(vm1.mac, "02:00:00:00:00:22", "10.1.1.1", "10.1.1.2", 100)
    to_sink = udp4(vm1.mac, UNKNOWN, "10.1.1.1", "10.1.1.3", 120)
    count = 2200
    caps = {ip: flowlab.Capture(lab, vm.ns, tmp_path / f"{vm.port}.pcap", bpf=["udp"])
            for ip, vm in (("10.1.1.2", net.vm2), ("10.1.1.3", net.sink))}

    sender = flowlab.stream(lab, vm1.ns, [to_vm2] * 9 + [to_sink], count, 0.001, seq_at=42)
    swaps, deadline = 0, time.monotonic() + 20
    while sender.poll() is None and time.monotonic() < deadline:
        d.ctl("replace-flows", "br0", file_b if swaps % 2 == 0 else file_a)
        swaps += 1
        time.sleep(0.02)
    out, err = sender.communicate(timeout=10)
    assert sender.returncode == 0 and out.strip() == str(count), err
    assert swaps >= 20, f"only {swaps} table swaps during the stream"

    got = {ip: seqs(cap.stop(), ip) for ip, cap in caps.items()}
    ports = d.port_stats("br0")
    lost = {ip: sorted(set(want) - set(got[ip])) for ip, want in (
        ("10.1.1.2", [i for i in range(count) if i % 10 != 9]),
        ("10.1.1.3", list(range(9, count, 10))))}
    assert lost == {"10.1.1.2": [], "10.1.1.3": []}, \
        f"{swaps} swaps; p1 rx: {ports['p1']['rx']} (rx dropped: the RX ring overflowed, the " \
        f"daemon was slow), datapath drops {flowlab.drops(d, 'br0', 'p1')}"
    # Exactly once each: no duplicates either.
    assert sorted(got["10.1.1.2"]) == [i for i in range(count) if i % 10 != 9]
    assert sorted(got["10.1.1.3"]) == list(range(9, count, 10))
    assert seqs(caps["10.1.1.2"].stop(settle=0), "10.1.1.3") == []

    c = flowlab.counters(d, "br0")
    assert c[shared] == (count // 10, count // 10 * 120)
    assert c[(0, 0, "")] == (0, 0)
    assert flowlab.drops(d, "br0", "p1") == {}
    # The flow for VM2 of the table in place counted only since it was (re)installed.
    vm2_flow = [key for key in c if key not in (shared, (0, 0, ""))]
    assert len(vm2_flow) == 1 and c[vm2_flow[0]][0] < count - count // 10, c

    # The same table once more: nothing changes, every counter stays.
    last = file_a if swaps % 2 == 0 else file_b
    d.ctl("replace-flows", "br0", last)
    assert flowlab.counters(d, "br0") == c


# --- 3. add-flow, del-flows, mod-flows, persistence, timeouts ---------------------------------

def probe(vm, n, dst="02:00:00:00:00:44", size=60):
    flowlab.send(vm.ns, [(flowlab.frame(vm.mac, dst, size), n)])


def test_add_flow_same_match_replaces_and_resets_counters(net):
    d, vm1 = net.d, net.vm1
    d.ctl("add-flow", "br0", "priority=5,in_port=1,dl_type=0x88b5,actions=output:2")
    probe(vm1, 3)
    key = (0, 5, "in_port=1,dl_type=0x88b5")
    assert flowlab.settle_counters(d, "br0", 3)[key] == (3, 180)

    d.ctl("add-flow", "br0", "priority=5,in_port=1,dl_type=0x88b5,actions=output:3")
    rows = flowlab.dump_flows(d, "br0")
    assert [(flowlab.flow_key(r), r["actions"], r["n_packets"], r["n_bytes"]) for r in rows] == [
        (key, "output:3", 0, 0), (DEFAULT_FLOW, "NORMAL", 0, 0)]
    before = flowlab.tx_packets(d, "br0")
    probe(vm1, 2)
    assert flowlab.settle_counters(d, "br0", 2)[key] == (2, 120)
    after = flowlab.tx_packets(d, "br0")
    assert (after["p2"] - before["p2"], after["p3"] - before["p3"]) == (0, 2)

    # Another priority is another flow.
    d.ctl("add-flow", "br0", "priority=6,in_port=1,dl_type=0x88b5,actions=drop")
    assert len(flowlab.dump_flows(d, "br0")) == 3


def test_del_flows_loose_and_strict(net):
    d = net.d
    for f in ["priority=5,in_port=1,dl_type=0x88b5,actions=drop", "priority=5,in_port=1,actions=drop",
              "priority=7,in_port=1,actions=drop", "priority=5,in_port=2,actions=drop"]:
        d.ctl("add-flow", "br0", f)

    def table():
        return [line.strip() for line in flowlab.no_stats(d, "br0").splitlines()]

    d.ctl("--strict", "del-flows", "br0", "priority=5,in_port=1")
    assert table() == ["priority=7,in_port=1 actions=drop",
                       "priority=5,in_port=1,dl_type=0x88b5 actions=drop",
                       "priority=5,in_port=2 actions=drop", "priority=0 actions=NORMAL"]
    # Strict with the default priority (32768): no flow has it, nothing goes.
    d.ctl("del-flows", "--strict", "br0", "in_port=1")
    assert len(table()) == 4
    # Loose: every flow at least as specific as in_port=1, whatever its priority.
    d.ctl("del-flows", "br0", "in_port=1")
    assert table() == ["priority=5,in_port=2 actions=drop", "priority=0 actions=NORMAL"]
    d.ctl("del-flows", "br0")
    assert table() == []
    assert flowlab.tables(d, "br0") == {0: (0, 0, 0)}
    probe(net.vm1, 2)
    lsnet.wait_until(lambda: flowlab.drops(d, "br0", "p1"), timeout=3)
    time.sleep(0.2)
    assert flowlab.drops(d, "br0", "p1") == {"no_flow": 2}
    assert flowlab.tables(d, "br0") == {0: (0, 2, 0)}


def test_mod_flows_keeps_counters(net):
    d, vm1 = net.d, net.vm1
    d.ctl("add-flow", "br0", "priority=5,in_port=1,dl_type=0x88b5,actions=output:2")
    d.ctl("add-flow", "br0", "priority=6,in_port=1,dl_type=0x88b5,dl_dst=02:00:00:00:00:44,"
          "actions=output:2")
    probe(vm1, 3)                                   # Hits priority 6.
    probe(vm1, 2, dst="02:00:00:00:00:45")          # Hits priority 5.
    k5, k6 = (0, 5, "in_port=1,dl_type=0x88b5"), (0, 6, "in_port=1,dl_dst=02:00:00:00:00:44,dl_type=0x88b5")
    assert flowlab.settle_counters(d, "br0", 5) == {k5: (2, 120), k6: (3, 180), DEFAULT_FLOW: (0, 0)}

    # Strict: only priority 5's exact match changes.
    d.ctl("--strict", "mod-flows", "br0", "priority=5,in_port=1,dl_type=0x88b5,actions=output:3")
    acts = {flowlab.flow_key(r): r["actions"] for r in flowlab.dump_flows(d, "br0")}
    assert (acts[k5], acts[k6]) == ("output:3", "output:2")
    # Loose: both, counters kept.
    d.ctl("mod-flows", "br0", "in_port=1,dl_type=0x88b5,actions=output:3")
    rows = {flowlab.flow_key(r): r for r in flowlab.dump_flows(d, "br0")}
    assert [(rows[k]["actions"], rows[k]["n_packets"], rows[k]["n_bytes"]) for k in (k5, k6)] == \
        [("output:3", 2, 120), ("output:3", 3, 180)]
    before = flowlab.tx_packets(d, "br0")
    probe(vm1, 1)
    assert flowlab.settle_counters(d, "br0", 6)[k6] == (4, 240)
    after = flowlab.tx_packets(d, "br0")
    assert (after["p2"] - before["p2"], after["p3"] - before["p3"]) == (0, 1)
    # Nothing matches: nothing is added.
    d.ctl("mod-flows", "br0", "in_port=2,actions=drop")
    assert len(flowlab.dump_flows(d, "br0")) == 3


PERSISTENT = [
    "priority=3,dl_dst=02:00:00:00:00:00,action=mod_dl_dst:00:00:00:00:00:01,output:1",
    "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
    "priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src=10.1.1.0/24,"
    "action=set_field:192.168.0.2->tun_dst,output:3",
    "table=1,cookie=0x2a,priority=9,tcp,tp_dst=80,actions=mod_tp_dst:8080,output:p2",
    "idle_timeout=300,hard_timeout=600,priority=8,in_port=p3,actions=resubmit(,1)",
    "priority=7,in_port=2,dl_type=0x88b5,actions=output:p3",
]


@pytest.mark.parametrize("how", ["kill9", "sigterm"])
def test_flows_persist_across_restart(net, how):
    """The whole table (tables, cookies, timeouts, names resolved to numbers) comes back after
    kill -9 or a clean stop, and forwards: frames from VM2 reach the sink by priority 7."""
    d = net.d
    for f in PERSISTENT:
        d.ctl("add-flow", "br0", f)
    before = flowlab.no_stats(d, "br0")
    assert len(before.splitlines()) == 7
    assert (d.kill9() if how == "kill9" else d.stop()) == (-9 if how == "kill9" else 0)
    d.start()
    assert flowlab.no_stats(d, "br0") == before
    rows = {flowlab.flow_key(r): r for r in flowlab.dump_flows(d, "br0")}
    t = rows[(0, 8, "in_port=3")]
    assert (t["idle_timeout"], t["hard_timeout"]) == (300, 600)
    assert rows[(1, 9, "tcp,tp_dst=80")]["cookie"] == "0x2a"
    probe(net.vm2, 3)
    key = (0, 7, "in_port=2,dl_type=0x88b5")
    assert flowlab.settle_counters(d, "br0", 3)[key] == (3, 180)
    assert flowlab.tx_packets(d, "br0")["p3"] == 3


def test_hard_and_idle_timeouts_expire(net):
    """hard_timeout=1 goes after 1-3 s whatever the traffic; idle_timeout=2 stays while a
    frame hits it every 0.4 s for 3 s, then goes within 2-4 s of the last one."""
    d, vm1 = net.d, net.vm1
    d.ctl("add-flow", "br0", "hard_timeout=1,priority=5,in_port=2,actions=drop")
    d.ctl("add-flow", "br0", "idle_timeout=2,priority=5,in_port=1,actions=drop")
    hard, idle = (0, 5, "in_port=2"), (0, 5, "in_port=1")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3.2:
        probe(vm1, 1)
        time.sleep(0.4)
    keys = set(flowlab.counters(d, "br0"))
    assert hard not in keys and idle in keys, keys
    last = time.monotonic()
    assert flowlab.counters(d, "br0")[idle][0] >= 7
    gone = lsnet.wait_until(lambda: idle not in flowlab.counters(d, "br0"), timeout=5)
    waited = time.monotonic() - last
    assert gone and 1.5 <= waited <= 4.5, waited
    assert set(flowlab.counters(d, "br0")) == {DEFAULT_FLOW}


def test_expired_flow_stays_gone_after_restart(net):
    d = net.d
    d.ctl("add-flow", "br0", "hard_timeout=1,priority=5,in_port=2,actions=drop")
    assert lsnet.wait_until(lambda: len(flowlab.dump_flows(d, "br0")) == 1, timeout=4)
    before = flowlab.no_stats(d, "br0")
    d.kill9()
    d.start()
    assert flowlab.no_stats(d, "br0") == before == " priority=0 actions=NORMAL\n"


# --- 4. Several tables, resubmit loops, output actions ---------------------------------------

@pytest.fixture(scope="module")
def mnet(module_lab):
    """three_vms shared by a module's tests, with br0 up (so that LOCAL counts what it is sent);
    each test sets its own table with replace-flows."""
    return three_vms(module_lab, br_up=True)


def set_table(net, tmp_path, flows):
    net.d.ctl("replace-flows", "br0", flowlab.write_flows(tmp_path / "table.flows", flows))


def port_deltas(d, before, after):
    return tuple(after[p] - before[p] for p in ("p1", "p2", "p3", "br0"))


def all_drops(d):
    return {p: flowlab.drops(d, "br0", p) for p in ("p1", "p2", "p3", "br0")}


def send_counted(net, n, tx_total, drop_total=0):
    """Sends 'n' experimental frames from VM1; returns the tx counters once 'tx_total' more
    frames left the ports and 'drop_total' more drops were counted (or after 3 s)."""
    d = net.d

    def totals():
        tx = flowlab.tx_packets(d, "br0")
        return sum(tx.values()), sum(sum(v.values()) for v in all_drops(d).values())

    tx0, drops0 = totals()
    probe(net.vm1, n)
    lsnet.wait_until(lambda: totals() >= (tx0 + tx_total, drops0 + drop_total), timeout=3)
    time.sleep(0.15)
    return totals()[0] - tx0, totals()[1] - drops0


OUTPUT_CASES = [
    # action (on frames from port 1), tx on (p1, p2, p3, br0), action_drop on p1
    ("in_port", (2, 0, 0, 0), 0),
    ("output:1", (0, 0, 0, 0), 2),          # The input port: only via in_port.
    ("output:in_port", (2, 0, 0, 0), 0),
    ("LOCAL", (0, 0, 0, 2), 0),
    ("output:br0", (0, 0, 0, 2), 0),        # The bridge's name is LOCAL.
    ("FLOOD", (0, 2, 2, 2), 0),
    ("ALL", (0, 2, 2, 2), 0),
    ("drop", (0, 0, 0, 0), 2),
    ("output:p3", (0, 0, 2, 0), 0),
    ("output:2,output:3,output:2", (0, 4, 2, 0), 0),
    ("resubmit(,1)", (0, 2, 0, 0), 0),
    ("goto_table:1", (0, 2, 0, 0), 0),
    ("resubmit(,1),output:3", (0, 2, 2, 0), 0),
    ("resubmit:2", (0, 0, 2, 0), 0),        # Table 0 again, as if from port 2.
    ("resubmit(,2)", (0, 0, 0, 0), 2),      # Table 2 is empty: no match there.
]


@pytest.mark.parametrize("action,tx,action_drops", OUTPUT_CASES, ids=[c[0] for c in OUTPUT_CASES])
def test_output_actions(mnet, tmp_path, action, tx, action_drops):
    d = mnet.d
    set_table(mnet, tmp_path, [
        f"priority=10,in_port=1,dl_type=0x88b5,actions={action}",
        "priority=10,in_port=2,dl_type=0x88b5,actions=output:3",
        "table=1,priority=1,actions=output:2",
        "priority=0,actions=drop",
    ])
    before, drops_before = flowlab.tx_packets(d, "br0"), all_drops(d)
    send_counted(mnet, 2, sum(tx), action_drops)
    assert port_deltas(d, before, flowlab.tx_packets(d, "br0")) == tx
    p1 = flowlab.drops(d, "br0", "p1")
    assert p1.get("action_drop", 0) - drops_before["p1"].get("action_drop", 0) == action_drops
    assert {p: v for p, v in all_drops(d).items() if p != "p1"} == \
        {p: v for p, v in drops_before.items() if p != "p1"}
    assert p1.get("no_flow", 0) == drops_before["p1"].get("no_flow", 0)


@pytest.mark.parametrize("loop", [["priority=10,in_port=1,actions=resubmit(,0)"],
                                  ["priority=10,in_port=1,actions=goto_table:1",
                                   "table=1,priority=1,actions=resubmit(,0)"]],
                         ids=["self", "two-tables"])
def test_resubmit_loop_is_cut(mnet, tmp_path, loop):
    """A flow that comes back to itself: each of 3 frames is dropped (counted as resubmit_loop
    on its input port), nothing goes out, the daemon keeps answering and the trace ends with
    the loop cut at depth 64."""
    d = mnet.d
    set_table(mnet, tmp_path, loop + ["priority=0,actions=drop"])
    before, drop0 = flowlab.tx_packets(d, "br0"), all_drops(d)["p1"].get("resubmit_loop", 0)
    send_counted(mnet, 3, 0, 3)
    assert port_deltas(d, before, flowlab.tx_packets(d, "br0")) == (0, 0, 0, 0)
    assert flowlab.drops(d, "br0", "p1").get("resubmit_loop", 0) - drop0 == 3
    assert d.running() and d.ctl("list-br")[1] == "br0\n"
    lines = d.ctl("ofproto/trace", "br0", "in_port=1")[1].splitlines()
    assert lines[-4:] == [" " * (4 * 64 + 4) + "resubmit: deeper than 64: loop, drop", "",
                          "Final flow: unchanged", "Result: dropped by the flow's actions"]


def test_resubmit_loop_sends_nothing(mnet, tmp_path):
    d = mnet.d
    set_table(mnet, tmp_path, ["priority=10,in_port=1,actions=output:2,resubmit(,0)",
                               "priority=0,actions=drop"])
    before = flowlab.tx_packets(d, "br0")
    send_counted(mnet, 1, 0, 1)
    assert port_deltas(d, before, flowlab.tx_packets(d, "br0")) == (0, 0, 0, 0)


# --- 5. ofproto/trace ------------------------------------------------------------------------

def trace(d, *args):
    rc, out, err = d.ctl("ofproto/trace", "br0", *args)
    assert (rc, err) == (0, "")
    return out.splitlines()


ZERO_ETH = "vlan_tci=0x0000,dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00"


def test_trace_readme_flow(mnet, tmp_path):
    set_table(mnet, tmp_path, readme_flows("00:00:00:00:00:01"))
    l3 = "nw_src=10.1.1.5,nw_dst=10.1.1.9,nw_proto=0,nw_tos=0,nw_ttl=0,tp_src=0,tp_dst=0"
    assert trace(mnet.d, "in_port=1,ip,nw_src=10.1.1.5,nw_dst=10.1.1.9") == [
        f"Flow: in_port=1,{ZERO_ETH},dl_type=0x0800,{l3}",
        "",
        'bridge("br0")',
        " 0. priority=1,ip,in_port=1,vlan_tci=0x0000,nw_src=10.1.1.0/24",
        "    load:0xc0a80002->NXM_NX_TUN_IPV4_DST[]",
        "    output:3",
        "    -> output to port p3",
        "",
        f"Final flow: in_port=1,tun_src=0.0.0.0,tun_dst=192.168.0.2,{ZERO_ETH},dl_type=0x0800,{l3}",
        "Result: forwarded",
    ]
    # The same packet tagged, and from port 2: priority 0, NORMAL floods.
    assert trace(mnet.d, "in_port=2,dl_dst=02:00:00:00:00:00")[3:8] == [
        " 0. priority=3,dl_dst=02:00:00:00:00:00",
        "    mod_dl_dst:00:00:00:00:00:01",
        "    output:1",
        "    -> output to port p1",
        "",
    ]
    assert trace(mnet.d, "in_port=2,dl_vlan=10,ip,nw_src=10.1.1.5")[3:10] == [
        " 0. priority=0",
        "    NORMAL",
        "    NORMAL: unknown destination: flood",
        "    -> output to port p1",
        "    -> output to port p3",
        "    -> output to port br0",
        "",
    ]


def test_trace_resubmit_chain_and_no_match(mnet, tmp_path):
    set_table(mnet, tmp_path, [
        "priority=10,in_port=1,dl_type=0x88b5,actions=mod_dl_dst:02:00:00:00:00:55,resubmit(,1)",
        "table=1,priority=5,dl_dst=02:00:00:00:00:55,actions=goto_table:2",
        "table=2,priority=1,actions=output:2",
    ])
    assert trace(mnet.d, "in_port=1,dl_type=0x88b5") == [
        f"Flow: in_port=1,{ZERO_ETH},dl_type=0x88b5",
        "",
        'bridge("br0")',
        " 0. priority=10,in_port=1,dl_type=0x88b5",
        "    mod_dl_dst:02:00:00:00:00:55",
        "    resubmit(,1)",
        "     1. priority=5,dl_dst=02:00:00:00:00:55",
        "        resubmit(,2)",
        "         2. priority=1",
        "            output:2",
        "            -> output to port p2",
        "",
        "Final flow: in_port=1,vlan_tci=0x0000,dl_src=00:00:00:00:00:00,"
        "dl_dst=02:00:00:00:00:55,dl_type=0x88b5",
        "Result: forwarded",
    ]
    # Port 3 matches nothing in table 0.
    assert trace(mnet.d, "in_port=p3,dl_type=0x88b5") == [
        f"Flow: in_port=3,{ZERO_ETH},dl_type=0x88b5",
        "",
        'bridge("br0")',
        " 0. no match: drop",
        "",
        "Final flow: unchanged",
        "Result: dropped: no flow matched",
    ]
    # Traces do not count: the tables saw no packet.
    assert all(r["n_packets"] == 0 for r in flowlab.dump_flows(mnet.d, "br0"))


@pytest.mark.parametrize("how", ["packet", "pcap"])
def test_trace_given_packet(mnet, tmp_path, how):
    """--packet=HEX and --pcap=FILE: the key comes from the packet's bytes, in_port from FLOW."""
    from scapy.utils import wrpcap
    from scapy.layers.l2 import Ether

    set_table(mnet, tmp_path, readme_flows("00:00:00:00:00:01"))
    pkt = udp4("0a:00:00:00:00:01", UNKNOWN, "10.1.1.7", "10.9.9.9", 100, sport=1234, dport=53)
    if how == "packet":
        arg = "--packet=" + pkt.hex()
    else:
        wrpcap(str(tmp_path / "p.pcap"), [Ether(pkt)])
        arg = f"--pcap={tmp_path / 'p.pcap'}"
    eth = "vlan_tci=0x0000,dl_src=0a:00:00:00:00:01,dl_dst=02:00:00:00:00:33,dl_type=0x0800"
    l3 = "nw_src=10.1.1.7,nw_dst=10.9.9.9,nw_proto=17,nw_tos=0,nw_ttl=64,tp_src=1234,tp_dst=53"
    assert trace(mnet.d, "in_port=1", arg) == [
        f"Flow: in_port=1,{eth},{l3}",
        "",
        'bridge("br0")',
        " 0. priority=1,ip,in_port=1,vlan_tci=0x0000,nw_src=10.1.1.0/24",
        "    load:0xc0a80002->NXM_NX_TUN_IPV4_DST[]",
        "    output:3",
        "    -> output to port p3",
        "",
        f"Final flow: in_port=1,tun_src=0.0.0.0,tun_dst=192.168.0.2,{eth},{l3}",
        "Result: forwarded",
    ]


def test_trace_errors(mnet):
    d = mnet.d
    for args, msg in [
        (["in_port=7"], "the flow must name an existing in_port"),
        (["ip"], "the flow must name an existing in_port"),
        (["in_port=1", "--packet=0011zz"], "packet: not an Ethernet frame in hex digits"),
        (["in_port=1", "--packet=00112233"], "packet: not an Ethernet frame in hex digits"),
    ]:
        rc, out, err = d.ctl("ofproto/trace", "br0", *args, check=False)
        assert (rc, out, err) == (1, "", f"lispctl: ofproto/trace br0: {msg}\n"), args


# --- 6. VLAN and header rewrites on the wire ---------------------------------------------------

def test_vlan_actions_on_the_wire(lab, net, tmp_path):
    """Each flow rewrites the tags of frames from VM1 to 02:00:00:00:00:aN and sends them to
    port 2, where tshark decodes what VM2 received."""
    d, vm1 = net.d, net.vm1
    dst = "02:00:00:00:00:a{}".format
    for f in [
        f"priority=10,in_port=1,dl_dst={dst(1)},actions=mod_vlan_vid:5,output:2",
        f"priority=10,in_port=1,dl_dst={dst(2)},dl_vlan=7,actions=strip_vlan,output:2",
        f"priority=10,in_port=1,dl_dst={dst(3)},actions=push_vlan:0x8100,mod_vlan_vid:9,output:2",
        f"priority=10,in_port=1,dl_dst={dst(4)},actions=push_vlan:0x8100,output:2",
        f"priority=10,in_port=1,dl_dst={dst(5)},dl_vlan=7,actions=mod_vlan_vid:8,output:2",
        f"priority=10,in_port=1,dl_dst={dst(6)},actions=mod_vlan_vid:5,mod_vlan_pcp:3,output:2",
    ]:
        d.ctl("add-flow", "br0", f)
    cap = flowlab.Capture(lab, net.vm2.ns, tmp_path / "vm2.pcap")
    flowlab.send(vm1.ns, [
        (flowlab.frame(vm1.mac, dst(1), 64), 1),
        (flowlab.frame(vm1.mac, dst(2), 68, vlan=7), 1),
        (flowlab.frame(vm1.mac, dst(3), 64), 1),
        (flowlab.frame(vm1.mac, dst(4), 64), 1),
        (flowlab.frame(vm1.mac, dst(5), 68, vlan=7), 1),
        (flowlab.frame(vm1.mac, dst(6), 64), 1),
    ])
    flowlab.settle_counters(d, "br0", 6)
    cap.stop()
    assert cap.tshark("eth.dst", "vlan.id", "vlan.priority", "vlan.etype", "eth.type",
                      "frame.len") == [
        (dst(1), "5", "0", "0x88b5", "0x8100", "68"),
        (dst(2), "", "", "", "0x88b5", "64"),
        (dst(3), "9", "0", "0x88b5", "0x8100", "68"),
        (dst(4), "0", "0", "0x88b5", "0x8100", "68"),
        (dst(5), "8", "0", "0x88b5", "0x8100", "68"),
        (dst(6), "5", "3", "0x88b5", "0x8100", "68"),
    ]


def checksums_ok(pkt):
    """Whether the IP and L4 checksums of scapy packet 'pkt' are what scapy computes (a UDP
    checksum of 0 means none and stays 0)."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    fresh = pkt.__class__(bytes(pkt))
    ip = fresh[IP]
    problems = []
    for layer in (IP, TCP, UDP, ICMP):
        if layer not in fresh or (layer is UDP and fresh[UDP].chksum == 0):
            continue
        got = fresh[layer].chksum
        fresh[layer].chksum = None
        want = fresh.__class__(bytes(fresh))[layer].chksum
        fresh[layer].chksum = got
        if got != want:
            problems.append(f"{layer.__name__} checksum {got:#06x}, should be {want:#06x}")
    return problems


def test_l3_l4_rewrites_fix_checksums(lab, net, tmp_path):
    """mod_nw_src/mod_nw_dst/mod_tp_src/mod_tp_dst/mod_nw_tos/dec_ttl on UDP, TCP and ICMP from
    VM1: VM2 receives the rewritten headers with valid IP, UDP, TCP checksums (scapy recomputes
    them); a UDP checksum of 0 (none) stays 0."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import Ether
    d, vm1 = net.d, net.vm1
    for f in [
        "priority=10,udp,in_port=1,tp_dst=5000,actions=mod_nw_src:10.9.9.9,mod_tp_dst:7777,output:2",
        "priority=10,tcp,in_port=1,actions=mod_nw_dst:10.8.8.8,mod_tp_src:4444,dec_ttl,output:2",
        "priority=10,icmp,in_port=1,actions=mod_nw_src:10.7.7.7,mod_nw_tos:32,output:2",
    ]:
        d.ctl("add-flow", "br0", f)
    eth = Ether(src=vm1.mac, dst=UNKNOWN)
    sent = [
        eth / IP(src="10.1.1.1", dst="10.1.1.2") / UDP(sport=1000, dport=5000) / (b"u" * 30),
        eth / IP(src="10.1.1.1", dst="10.1.1.2") / UDP(sport=1001, dport=5000, chksum=0) / b"z",
        eth / IP(src="10.1.1.1", dst="10.1.1.2", ttl=9) / TCP(sport=1002, dport=80, flags="S",
                                                            seq=7) / (b"t" * 20),
        eth / IP(src="10.1.1.1", dst="10.1.1.2") / ICMP(id=5, seq=1) / (b"i" * 8),
    ]
    cap = flowlab.Capture(lab, net.vm2.ns, tmp_path / "vm2.pcap", bpf=["ip"])
    flowlab.send(vm1.ns, [(bytes(p), 1) for p in sent])
    flowlab.settle_counters(d, "br0", 4)
    got = cap.stop()
    assert len(got) == 4, got
    summary = [(p[IP].src, p[IP].dst, p[IP].ttl, p[IP].tos,
                (p.sport, p.dport) if (UDP in p or TCP in p) else None) for p in got]
    assert summary == [
        ("10.9.9.9", "10.1.1.2", 64, 0, (1000, 7777)),
        ("10.9.9.9", "10.1.1.2", 64, 0, (1001, 7777)),
        ("10.1.1.1", "10.8.8.8", 8, 0, (4444, 80)),
        ("10.7.7.7", "10.1.1.2", 64, 32, None),
    ]
    assert got[1][UDP].chksum == 0
    assert {i: checksums_ok(p) for i, p in enumerate(got)} == {i: [] for i in range(4)}
    assert bytes(got[0][UDP].payload) == b"u" * 30 and bytes(got[2][TCP].payload) == b"t" * 20


# --- 7. The ARP responder idiom --------------------------------------------------------------

ARP_RESPONDER = (
    "priority=10,arp,arp_op=1,arp_tpa=10.1.1.200,actions="
    "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:02:00:00:00:00:c8,"
    "load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
    "load:0x0200000000c8->NXM_NX_ARP_SHA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
    "load:0xa0101c8->NXM_OF_ARP_SPA[],in_port")


def test_arp_responder(lab, net, tmp_path):
    """VM1 pings 10.1.1.200, which does not exist: the flow answers VM1's ARP request itself,
    so VM1's neighbour table holds 02:00:00:00:00:c8 for it; the reply is a well-formed ARP
    reply (captured at VM1), and VM2 and the sink never see the request."""
    from scapy.layers.l2 import ARP
    d, vm1 = net.d, net.vm1
    d.ctl("add-flow", "br0", ARP_RESPONDER)
    cap = flowlab.Capture(lab, vm1.ns, tmp_path / "vm1.pcap", bpf=["arp"])
    sent, received, _ = vm1.ping("10.1.1.200", count=1, wait=1)
    assert (sent, received) == (1, 0)   # The echo goes to a MAC nobody has.
    neigh = json.loads(vm1.ns.ip("-j", "neigh", "show", "10.1.1.200", "dev", "eth0").stdout)
    assert [(n["dst"], n.get("lladdr")) for n in neigh] == [("10.1.1.200", "02:00:00:00:00:c8")]
    assert neigh[0]["state"][0] in ("REACHABLE", "STALE", "DELAY", "PROBE"), neigh
    replies = cap.stop()
    assert [(r.src, r.dst, r[ARP].op, r[ARP].hwsrc, r[ARP].psrc, r[ARP].hwdst, r[ARP].pdst)
            for r in replies] == [("02:00:00:00:00:c8", vm1.mac, 2, "02:00:00:00:00:c8",
                                   "10.1.1.200", vm1.mac, "10.1.1.1")]
    c = flowlab.counters(d, "br0")
    assert c[(0, 10, "arp,arp_tpa=10.1.1.200,arp_op=1")] == (1, 42)
    tx = flowlab.tx_packets(d, "br0")
    assert (tx["p1"], tx["p2"], tx["p3"]) == (1, 1, 1)   # The reply; the echo flooded.


# --- 8. Bad flows ------------------------------------------------------------------------------

BAD_FLOWS = [
    # (verb, flow, reason after "lispctl: VERB br0: ")
    ("add-flow", "foo=1,actions=drop", 'unknown field "foo"'),
    ("add-flow", "dl_src=00:11:22:33:44,actions=drop", '"dl_src=00:11:22:33:44": invalid MAC address'),
    ("add-flow", "dl_dst=00:11:22:33:44:gg,actions=drop",
     '"dl_dst=00:11:22:33:44:gg": invalid MAC address'),
    ("add-flow", "ip,nw_src=10.0.0.256,actions=drop", '"nw_src=10.0.0.256": invalid IPv4 address'),
    ("add-flow", "ip,nw_dst=10.0.0.0/33,actions=drop",
     '"nw_dst=10.0.0.0/33": prefix length not between 0 and 32'),
    ("add-flow", "nw_src=10.0.0.1,actions=drop", 'nw_src: needs ip or arp (e.g. add "ip,")'),
    ("add-flow", "tp_dst=80,actions=drop",
     'tp_dst: needs tcp, udp, sctp, icmp or icmp6 (e.g. add "tcp,")'),
    ("add-flow", "ip,tp_dst=80,actions=drop",
     'tp_dst: needs tcp, udp, sctp, icmp or icmp6 (e.g. add "tcp,")'),
    ("add-flow", "arp_sha=00:11:22:33:44:55,actions=drop", 'arp_sha: needs arp (e.g. add "arp,")'),
    ("add-flow", "ipv6_src=::1,actions=drop", 'ipv6_src: needs ipv6 (e.g. add "ipv6,")'),
    ("add-flow", "actions=bogus", 'unknown action "bogus"'),
    ("add-flow", "actions=output:nosuch", '"output:nosuch": output to unknown port'),
    ("add-flow", "actions=output:65536", '"output:65536": output to unknown port'),
    ("add-flow", "in_port=nosuch,actions=drop", '"in_port=nosuch": unknown port'),
    ("add-flow", "priority=65536,actions=drop", '"priority=65536": invalid number (0 to 65535)'),
    ("add-flow", "table=256,actions=drop", '"table=256": invalid number (0 to 255)'),
    ("add-flow", "idle_timeout=65536,actions=drop",
     '"idle_timeout=65536": invalid number (0 to 65535)'),
    ("add-flow", "ip,nw_proto=300,actions=drop", '"nw_proto=300": value too large for 1-byte field'),
    ("add-flow", "in_port=1", 'must specify actions (e.g. "actions=drop")'),
    ("add-flow", "actions=drop,output:1", '"drop" must not be combined with other actions'),
    ("add-flow", "actions=mod_dl_src:zz", '"mod_dl_src:zz": invalid MAC address'),
    ("add-flow", "actions=set_field:1->nosuchfield",
     '"set_field:1->nosuchfield": unknown field "nosuchfield"'),
    ("add-flow", "actions=load:0x1->NXM_OF_NOPE[]", '"load:0x1->NXM_OF_NOPE[]": unknown field "NXM_OF_NOPE"'),
    ("add-flow", "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_IP_SRC[]",
     '"move:NXM_OF_ETH_SRC[]->NXM_OF_IP_SRC[]": nw_src needs ip in the match (e.g. add "ip,")'),
    ("add-flow", "actions=resubmit(,256)", '"resubmit(,256)": unknown table "256"'),
    ("add-flow", "actions=goto_table:1,output:1", '"output:1": nothing may follow goto_table'),
    ("add-flow", "cookie=5/0xff,actions=drop",
     '"cookie=5/0xff": a flow being added cannot have a cookie mask'),
    ("add-flow", "tun_id=0x1/0x1/0x1,actions=drop", '"tun_id=0x1/0x1/0x1": invalid mask'),
    ("del-flows", "foo=1", 'unknown field "foo"'),
    ("del-flows", "dl_dst=xx", '"dl_dst=xx": invalid MAC address'),
    ("del-flows", "nw_dst=10.0.0.1", 'nw_dst: needs ip or arp (e.g. add "ip,")'),
    ("mod-flows", "actions=bogus", 'unknown action "bogus"'),
    ("mod-flows", "in_port=1,actions=output:nosuch", '"output:nosuch": output to unknown port'),
]


@pytest.fixture(scope="module")
def badnet(mnet, tmp_path_factory):
    """The module's daemon for all the bad flows, its table set once."""
    set_table(mnet, tmp_path_factory.mktemp("bad"), readme_flows("00:00:00:00:00:01"))
    mnet.table = flowlab.no_stats(mnet.d, "br0")
    return mnet


def assert_refused(net, argv, stderr):
    rc, out, err = net.d.ctl(*argv, check=False)
    assert (rc, out, err) == (1, "", stderr)
    assert flowlab.no_stats(net.d, "br0") == net.table
    assert net.d.running()


@pytest.mark.parametrize("verb,flow,reason", BAD_FLOWS, ids=[f"{v}:{f}" for v, f, _ in BAD_FLOWS])
def test_bad_flow_refused(badnet, verb, flow, reason):
    assert_refused(badnet, [verb, "br0", flow], f"lispctl: {verb} br0: {reason}\n")


GOOD = ["priority=50,in_port=1,actions=output:2", "# a comment", "",
        "priority=51,ip,nw_dst=10.0.0.1,actions=drop"]


@pytest.mark.parametrize("verb", ["add-flows", "replace-flows"])
@pytest.mark.parametrize("bad,line,reason", [
    ("priority=52,ip,nw_dst=10.0.0.300,actions=drop", 5, '"nw_dst=10.0.0.300": invalid IPv4 address'),
    ("priority=52,actions=output:p9", 5, '"output:p9": output to unknown port'),
    ("priority=52,tcp_dst=80,actions=drop", 5,
     'tcp_dst: needs tcp, udp, sctp, icmp or icmp6 (e.g. add "tcp,")'),
], ids=["bad-ip", "bad-port", "prerequisite"])
def test_flow_file_with_one_bad_line_adds_nothing(badnet, tmp_path, verb, bad, line, reason):
    """All or nothing: the good lines around the bad one are not added; the error names the
    line of the file (comments and blank lines count)."""
    path = flowlab.write_flows(tmp_path / "f.flows", GOOD + [bad, "priority=53,actions=drop"])
    assert_refused(badnet, [verb, "br0", path], f"lispctl: {verb} br0: line {line}: {reason}\n")


def test_flow_file_errors(badnet, tmp_path):
    missing = tmp_path / "nope.flows"
    rc, out, err = badnet.d.ctl("add-flows", "br0", missing, check=False)
    assert rc == 1 and err.startswith("lispctl: add-flows") and str(missing) in err, err
    assert err.count("\n") == 1
    assert_refused(badnet, ["add-flow", "nobr", "actions=drop"],
                   "lispctl: add-flow nobr: no such bridge\n")


@pytest.mark.parametrize("flow, reason", [
    ("", 'must specify actions (e.g. "actions=drop")'),
    ("# priority=1,actions=drop", 'unknown field "#"'),
], ids=["empty", "comment"])
def test_empty_add_flow_refused(badnet, flow, reason):
    """Only lines of a file may be blank or comments: a FLOW argument must be a flow."""
    assert_refused(badnet, ["add-flow", "br0", flow], f"lispctl: add-flow br0: {reason}\n")


# --- 9. parse-flow against ovs-ofctl ---------------------------------------------------------

PARSE_FLOWS = readme_flows("00:00:00:00:00:01") + [
    "action=set_tunnel:42", ARP_RESPONDER,
    "table=1,priority=5,ip,actions=resubmit(,2),goto_table:3",
    "priority=10,udp,in_port=1,tp_dst=5000,actions=mod_nw_src:10.9.9.9,mod_tp_dst:7777,output:2",
    "priority=10,in_port=1,dl_vlan=7,actions=strip_vlan,output:2",
    "idle_timeout=300,hard_timeout=600,priority=8,in_port=3,actions=resubmit(,1)",
]


@pytest.mark.parametrize("flow", PARSE_FLOWS)
def test_parse_flow_matches_ovs_ofctl(flow):
    ctl = lsnet.BUILD / "src/ctl/lispctl"
    ours = lsnet.run([ctl, "parse-flow", flow])
    ovs = lsnet.run(["ovs-ofctl", "parse-flow", flow])
    want = ovs.stdout.splitlines()[-1].split(": ADD ", 1)[1]
    assert (ours.stdout, ours.stderr) == (want + "\n", "")
