"""NORMAL switching through a real daemon: ping, MAC learning, exact port counters, VLAN tags,
and a port added while traffic flows. The topology of most tests is conftest.two_vms:

    [vm1 ns] eth0 10.0.0.1 ==veth== p1 (port 1) --+
                                                  |  br0 (lispswitchd in the hv ns, LOCAL down)
    [vm2 ns] eth0 10.0.0.2 ==veth== p2 (port 2) --+
"""
import json
import re
import time

import pytest

import lsnet

# A frame the VMs' kernels ignore (IEEE 802 local experimental ethertype 1), so that
# counting it never makes a VM answer and disturb the counters.
ETH_EXPERIMENTAL = 0x88B5


def frame(src, dst, size, vlan=None):
    """An Ethernet frame of exactly 'size' bytes (no FCS) from 'src' to 'dst'."""
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.packet import Raw

    pkt = Ether(src=src, dst=dst, type=ETH_EXPERIMENTAL if vlan is None else 0x8100)
    if vlan is not None:
        pkt = pkt / Dot1Q(vlan=vlan, type=ETH_EXPERIMENTAL)
    data = bytes(pkt / Raw(b"\0" * (size - len(pkt))))
    assert len(data) == size
    return data


def counters(stats, port):
    row = stats[port]
    return (row["rx"]["packets"], row["rx"]["bytes"], row["tx"]["packets"], row["tx"]["bytes"])


def settle(d, bridge, port, direction, packets, timeout=5.0):
    """dump-ports once 'port' has counted 'packets' in 'direction' (or the timeout passed),
    read again a little later so that a late extra packet is seen too."""
    lsnet.wait_until(lambda: d.port_stats(bridge)[port][direction]["packets"] >= packets,
                     timeout=timeout)
    time.sleep(0.2)
    return d.port_stats(bridge)


def test_ping_across_bridge(sw):
    """VM1 pings VM2 through br0: every echo is answered, and the ports are promiscuous."""
    sent, received, out = sw.vm1.ping(sw.vm2.addr, count=5, interval=0.1)
    assert (sent, received) == (5, 5), out
    for port in ("p1", "p2"):
        link = json.loads(sw.hv.ip("-d", "-j", "link", "show", port).stdout)[0]
        assert "UP" in link["flags"] and link["promiscuity"] == 1, link


def test_fdb_show_lists_both_vms(sw):
    """After one ping each VM's MAC is learned on its own port, VLAN 0, in text and JSON."""
    assert sw.vm1.ping(sw.vm2.addr, count=1)[:2] == (1, 1)

    rows = sw.d.ctl_json("fdb-show", "br0")
    assert sorted((r["port"], r["vlan"], r["mac"]) for r in rows) == \
        sorted([(1, 0, sw.vm1.mac), (2, 0, sw.vm2.mac)])
    assert all(0 <= r["age"] <= 5 for r in rows), rows

    for verb in ("fdb-show", "fdb/show"):
        rc, out, err = sw.d.ctl(verb, "br0")
        lines = out.splitlines()
        assert (rc, err) == (0, "")
        assert lines[0] == " port  VLAN  MAC                Age"
        assert sorted(re.sub(r"  [ \d]{2}\d$", "  AGE", line) for line in lines[1:]) == sorted([
            f"    1     0  {sw.vm1.mac}  AGE",
            f"    2     0  {sw.vm2.mac}  AGE",
        ]), out


@pytest.mark.parametrize("size", [60, 1514])
def test_dump_ports_counts_exact(sw, size):
    """
    N frames of 'size' bytes from VM1 to VM2's (learned) MAC: p1 counts exactly N received
    frames and N*size bytes, p2 exactly N sent, and nothing else moves (no flooding to LOCAL,
    nothing back from VM2, whose kernel ignores the ethertype).
    """
    n = 37
    d = sw.d
    # VM2 announces itself once (a broadcast, flooded to p1 and to LOCAL, which is down).
    sw.vm2.sendp(frame(sw.vm2.mac, "ff:ff:ff:ff:ff:ff", 60), 1)
    before = settle(d, "br0", "p2", "rx", 1)
    assert counters(before, "p2") == (1, 60, 0, 0)
    assert counters(before, "p1") == (0, 0, 1, 60)
    assert before["br0"]["tx"]["dropped"] == 1   # The flood copy to the down TAP.

    sw.vm1.sendp(frame(sw.vm1.mac, sw.vm2.mac, size), n)
    after = settle(d, "br0", "p2", "tx", n)

    assert counters(after, "p1") == (n, n * size, 1, 60)
    assert counters(after, "p2") == (1, 60, n, n * size)
    assert counters(after, "br0") == (0, 0, 0, 0)
    assert after["br0"]["tx"]["dropped"] == 1
    for port in ("p1", "p2"):
        assert after[port]["rx"]["dropped"] == after[port]["rx"]["errors"] == 0
        assert after[port]["tx"]["dropped"] == after[port]["tx"]["errors"] == 0
        assert after[port]["drops"] and set(after[port]["drops"].values()) == {0}

    # The text view shows the same numbers.
    rc, out, _ = d.ctl("dump-ports", "br0", "p1")
    assert out == ("OFPST_PORT reply: 1 ports\n"
                   f"  port  1 (p1): rx pkts={n}, bytes={n * size}, drop=0, errs=0\n"
                   "           tx pkts=1, bytes=60, drop=0, errs=0\n")


def test_dump_ports_text_lists_local_first(sw):
    rc, out, _ = sw.d.ctl("dump-ports", "br0")
    lines = out.splitlines()
    assert lines[0] == "OFPST_PORT reply: 3 ports"
    assert [re.match(r"  port +(\S+) \((\S+)\):", l).groups() for l in lines[1::2]] == \
        [("LOCAL", "br0"), ("1", "p1"), ("2", "p2")]


def test_vlan_tag_carried_untouched(lab, sw, tmp_path):
    """Frames tagged VLAN 42 from VM1 reach VM2 with their tag (tshark decodes them there), and
    VM1's MAC is learned on VLAN 42."""
    cap = tmp_path / "vm2.pcap"
    tshark = lab.popen(["tshark", "-q", "-i", "eth0", "-c", "3", "-a", "duration:8", "-w", cap],
                       ns=sw.vm2.ns)
    line = lsnet.wait_until(lambda: tshark.stderr.readline(), timeout=8)
    while line and "Capturing on" not in line:   # tshark says so once the capture is live.
        line = tshark.stderr.readline()
    assert "Capturing on" in line, line

    sw.vm1.sendp(frame(sw.vm1.mac, "ff:ff:ff:ff:ff:ff", 64, vlan=42), 3)
    tshark.wait(timeout=10)
    out = lsnet.run(["tshark", "-r", cap, "-T", "fields", "-e", "vlan.id", "-e", "eth.src",
                     "-e", "vlan.etype", "-e", "frame.len"]).stdout
    assert out.splitlines() == [f"42\t{sw.vm1.mac}\t0x88b5\t64"] * 3
    rows = sw.d.ctl_json("fdb-show", "br0")
    assert [(r["port"], r["vlan"], r["mac"]) for r in rows] == [(1, 42, sw.vm1.mac)]


def test_port_added_while_traffic_flows(lab):
    """
    A third VM joins while VM1 pings VM2 at 50 packets/s:

        [vm1] 10.0.0.1 == p1 --+
        [vm2] 10.0.0.2 == p2 --+-- br0 (hv)
        [vm3] 10.0.0.3 == p3 --+   <- added during the ping

    Adding a port leaves the running ports alone (only new or changed ports are opened), and
    while the daemon opens p3 the frames of p1/p2 wait in their 64-frame RX rings: far more
    than the ~1 packet the 20 ms ping interval puts there while a port is opened. So the bound
    on losses for the existing pair is zero.
    """
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vm1 = lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
    vm2 = lab.vm(hv, "vm2", "p2", "10.0.0.2/24")
    vm3 = lab.vm(hv, "vm3", "p3", "10.0.0.3/24")
    d.ctl("add-br", "br0")
    lsnet.attach(d, "br0", vm1, vm2)
    assert vm1.ping(vm2.addr, count=1)[:2] == (1, 1)

    count = 100
    ping = lab.popen(["ping", "-n", "-q", "-c", count, "-i", "0.02", "-W", "1", vm2.addr],
                     ns=vm1.ns)
    time.sleep(0.5)
    assert ping.poll() is None, "the ping ended before the port was added"
    lsnet.attach(d, "br0", vm3)
    assert ping.poll() is None, "the ping ended before the port was added"
    assert vm1.ping(vm3.addr, count=3, interval=0.1)[:2] == (3, 3)
    out, _ = ping.communicate(timeout=count * 0.02 + 10)
    assert lsnet.parse_ping(out) == (count, count), out
    assert d.ctl("list-ports", "br0")[1] == "p1\np2\np3\n"
    assert d.ctl("get", "Interface", "p3", "ofport")[1] == "3\n"


def test_first_frame_out_of_port_added_down(lab):
    """
    The veths are left down in the hv namespace; add-port brings them up. The very first
    frame (VM1's ARP request, flooded to p2) must reach VM2: one ping with no ARP retry
    (which comes only after 1 s) is answered. (Regression: the socket used to be bound while
    the link was down, and the pending ENETDOWN failed the first send.)

        [vm1] 10.0.0.1 == p1 (down until add-port) --+-- br0 (hv)
        [vm2] 10.0.0.2 == p2 (down until add-port) --+
    """
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vm1 = lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
    vm2 = lab.vm(hv, "vm2", "p2", "10.0.0.2/24")
    d.ctl("add-br", "br0")
    d.ctl("add-port", "br0", "p1")
    d.ctl("add-port", "br0", "p2")
    for port in ("p1", "p2"):
        assert "UP" in json.loads(hv.ip("-j", "link", "show", port).stdout)[0]["flags"]
    assert vm1.ping(vm2.addr, count=1, wait=0.9)[:2] == (1, 1)
    stats = d.port_stats("br0")
    assert (stats["p1"]["tx"]["dropped"], stats["p2"]["tx"]["dropped"]) == (0, 0)


def test_port_link_down_then_up_again(sw):
    """
    p2 is set down in the hv namespace: frames for VM2 are dropped and counted as tx drops.
    Set up again, p2 carries traffic at once, from the very first frame (the ARP request of a
    single ping, with no time for an ARP retry). (Regression: the ENETDOWN the kernel leaves
    pending on the packet socket used to fail, and drop, the first frame after the flap.)

        [vm1] 10.0.0.1 == p1 --+-- br0 (hv)
        [vm2] 10.0.0.2 == p2 --+   <- ip link set p2 down; ...; ip link set p2 up
    """
    assert sw.vm1.ping(sw.vm2.addr, count=1)[:2] == (1, 1)
    sw.hv.ip("link", "set", "p2", "down")
    sw.vm1.ns.ip("neigh", "flush", "dev", "eth0")
    assert sw.vm1.ping(sw.vm2.addr, count=2, interval=0.2, wait=0.5)[:2] == (2, 0)
    assert sw.d.port_stats("br0")["p2"]["tx"]["dropped"] >= 1

    sw.hv.ip("link", "set", "p2", "up")
    lsnet.wait_until(lambda: "LOWER_UP" in sw.hv.ip("link", "show", "p2").stdout)
    sw.vm1.ns.ip("neigh", "flush", "dev", "eth0")
    assert sw.vm1.ping(sw.vm2.addr, count=1, wait=0.9)[:2] == (1, 1)
    assert sw.vm1.ping(sw.vm2.addr, count=5, interval=0.05)[:2] == (5, 5)
