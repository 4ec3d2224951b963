"""
README-lisp end to end: two hypervisor namespaces, each with lispswitchd configured with the
guide's lispctl commands and flows, one VM each, traffic across the LISP tunnel. The topology
(lsnet.readme_lisp, drawn there):

        [vm1] eth0 == tap0 (1) -+                            +- (1) tap0 == eth0 [vm2]
                                | br0 (hv1)       br0 (hv2)  |
                      lisp0 (3) +- (2) eth0 ==..== eth0 (2) -+ (3) lisp0
                                 br0: RLOC1       br0: RLOC2

"==..==" is one veth pair (scenarios 1 and 3) or a router namespace (scenario 2).

Every scenario runs with IPv4 EIDs over IPv4 RLOCs (the guide), IPv6 EIDs over IPv4 RLOCs,
and both over IPv6 RLOCs (OVS never carried LISP over IPv6).
"""
import collections
import json
import os
import signal
import time

import pytest

import lsnet

SCENARIOS = {1: "same-subnet", 2: "router", 3: "routed-vms"}
FAMILIES = [(4, 4), (6, 4), (4, 6), (6, 6)]
CASES = [pytest.param(s, e, r, id=f"scenario{s}-{SCENARIOS[s]}-eid{e}-rloc{r}")
         for e, r in FAMILIES for s in SCENARIOS]
PINGS = 5

LISP_FIELDS = ["lisp-data.flags", "lisp-data.iid", "lisp-data.lsb8", "ip.src", "ip.dst",
               "ipv6.src", "ipv6.dst", "udp.srcport", "udp.dstport", "udp.checksum",
               "udp.checksum.status"]
# tshark checks UDP checksums only when told to: status 1 = good, 3 = not present (zero).
CHECK_CSUM = ["-o", "udp.check_checksum:TRUE"]


def addr_columns(outer_src, outer_dst, inner_src, inner_dst):
    """What tshark's ip.src, ip.dst, ipv6.src, ipv6.dst columns hold for one LISP packet: each
    column lists the addresses of its family, outer first."""
    cols = []
    for fam in (4, 6):
        for pair in ((outer_src, inner_src), (outer_dst, inner_dst)):
            cols.append(",".join(lsnet.plain(a) for a in pair if lsnet.is_v6(a) == (fam == 6)))
    return tuple(cols)


def check_lisp_packets(rows, expected, rloc, iid="0"):
    """
    Every decoded row is LISP data as OVS sent it (flags 0x48: L and I; the IID; LSB 0x01), to
    UDP 4341 from a source port in 32768..60999 that is the same for every packet of one inner
    flow; the UDP checksum is 0 over an IPv4 underlay ('rloc' 4) and correct over IPv6.
    'expected' counts the rows per address columns.
    """
    seen = collections.Counter()
    sports = collections.defaultdict(set)
    for row in rows:
        flags, got_iid, lsb, *addrs, sport, dport, csum, status = row
        assert (flags, got_iid, lsb, dport) == ("0x48", iid, "0x01", "4341"), row
        assert 32768 <= int(sport) <= 60999, row
        if rloc == 4:
            assert (csum, status) == ("0x0000", "3"), row
        else:
            assert csum != "0x0000" and status == "1", row
        seen[tuple(addrs)] += 1
        sports[tuple(addrs)].add(sport)
    assert seen == expected
    assert all(len(s) == 1 for s in sports.values()), sports


def test_guide_flows_are_the_readme_ones():
    """The IPv4 flows are README-lisp's four, character for character."""
    assert lsnet.guide_flows("52:54:00:00:00:01", "10.1.0.0/24", "192.168.0.2/24") == [
        "priority=3,dl_dst=02:00:00:00:00:00,action=mod_dl_dst:52:54:00:00:00:01,output:1",
        "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
        "priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src=10.1.0.0/24,"
        "action=set_field:192.168.0.2->tun_dst,output:3",
        "priority=0,action=NORMAL",
    ]


@pytest.mark.parametrize("scenario,eid,rloc", CASES)
def test_readme_scenario(lab, tmp_path, scenario, eid, rloc):
    """
    VM1 pings VM2 PINGS times, every echo answered. Exactly PINGS packets take each
    hypervisor's tunnel flow (priority 1) and its decapsulation flow (priority 3), the lisp
    ports count exactly PINGS sent and received and drop nothing. On the underlay (each eth0
    captures what it receives), tshark decodes every packet as LISP data with the OVS header,
    IID 0, and the RLOCs outside, the EIDs inside.
    """
    t = lsnet.readme_lisp(lab, scenario, eid, rloc)
    caps = [lsnet.Capture(lab, hv.ns, "eth0", tmp_path / f"{hv.label}.pcap", PINGS)
            for hv in (t.hv1, t.hv2)]
    sent, received, out = t.vm1.ping(t.vm2.addr, count=PINGS, interval=0.05)
    assert (sent, received) == (PINGS, PINGS), out

    for hv in (t.hv1, t.hv2):
        assert hv.flow_count("priority=1,") == PINGS
        assert hv.flow_count("priority=3,") == PINGS
        lisp0 = hv.ports()["lisp0"]
        assert (lisp0["tx"]["packets"], lisp0["rx"]["packets"]) == (PINGS, PINGS)
        assert hv.drops() == {}
    requests = addr_columns(t.hv1.rloc, t.hv2.rloc, t.vm1.ip, t.vm2.ip)
    replies = addr_columns(t.hv2.rloc, t.hv1.rloc, t.vm2.ip, t.vm1.ip)
    for cap, expected in zip(caps, (replies, requests)):
        rows = lsnet.tshark_fields(cap.stop(), LISP_FIELDS, CHECK_CSUM)
        check_lisp_packets(rows, {expected: PINGS}, rloc)


def test_only_br0_answers_for_the_hypervisor(lab, tmp_path):
    """
    Scenario 3: VM1's one ARP request for its gateway (br0's second address) is answered
    exactly once, from br0's MAC, and VM1's neighbour entry holds br0's MAC: the hypervisor's
    own stack does not see frames on switch ports (as with OVS's kernel datapath).
    """
    t = lsnet.readme_lisp(lab, 3, 4, 4)
    cap = lsnet.Capture(lab, t.vm1.ns, "eth0", tmp_path / "vm1.pcap", 3, bpf="arp")
    assert t.vm1.ping(t.vm2.addr, count=1)[:2] == (1, 1)
    time.sleep(0.3)
    rows = lsnet.tshark_fields(cap.end(), ["arp.opcode", "arp.src.hw_mac"])
    br0_mac = json_link(t.hv1.ns, "br0")["address"]
    tap0_mac = json_link(t.hv1.ns, "tap0")["address"]
    # Requests may come both ways (br0 may ask for VM1 too); the answer to VM1 comes once.
    assert ["1", t.vm1.mac] in rows, rows
    replies = [r for r in rows if r[0] == "2"]
    assert replies == [["2", br0_mac]], f"br0 {br0_mac}, tap0 {tap0_mac}: {rows}"
    neigh = t.vm1.ns.ip("neigh", "show", "10.1.1.254").stdout
    assert f"lladdr {br0_mac} " in neigh, neigh


def json_link(ns, ifname):
    return json.loads(ns.ip("-j", "link", "show", ifname).stdout)[0]


def test_proxy_arp_instead_of_static_entries(lab):
    """
    Scenario 2 (router between the hypervisors) with VMs that have no neighbour entries at all:
    each hypervisor's ARP-responder flow (move/load, priority 4) answers its VM's ARP request
    for the remote EID with a made-up MAC. Exactly one ARP request per VM hits it; the ping
    crosses the tunnel.
    """
    t = lsnet.readme_lisp(lab, 2, 4, 4, arp="proxy")
    for vm in (t.vm1, t.vm2):
        assert vm.ns.ip("neigh", "show").stdout == ""
    sent, received, out = t.vm1.ping(t.vm2.addr, count=PINGS, interval=0.05)
    assert (sent, received) == (PINGS, PINGS), out
    for hv, vm, other in ((t.hv1, t.vm1, t.vm2), (t.hv2, t.vm2, t.vm1)):
        assert hv.flow_count("priority=4,") == 1
        assert hv.flow_count("priority=1,") == PINGS
        neigh = vm.ns.ip("neigh", "show", other.addr).stdout
        assert f"lladdr {lsnet.PROXY_ARP_MAC} " in neigh, neigh


def test_proxy_arp_reply_is_well_formed(lab, tmp_path):
    """The reply the ARP responder makes, as VM1 receives it: an ARP reply from the fake MAC
    for VM2's EID, addressed to VM1 in both the Ethernet and the ARP header."""
    t = lsnet.readme_lisp(lab, 2, 4, 4, arp="proxy")
    cap = lsnet.Capture(lab, t.vm1.ns, "eth0", tmp_path / "vm1.pcap", 2, bpf="arp")
    assert t.vm1.ping(t.vm2.addr, count=1)[:2] == (1, 1)
    rows = lsnet.tshark_fields(cap.stop(), ["eth.src", "eth.dst", "arp.opcode",
                                            "arp.src.hw_mac", "arp.src.proto_ipv4",
                                            "arp.dst.hw_mac", "arp.dst.proto_ipv4"])
    fake = lsnet.PROXY_ARP_MAC
    assert rows == [
        [t.vm1.mac, "ff:ff:ff:ff:ff:ff", "1", t.vm1.mac, t.vm1.addr, "00:00:00:00:00:00",
         t.vm2.addr],
        [fake, t.vm1.mac, "2", fake, t.vm2.addr, t.vm1.mac, t.vm1.addr],
    ]


# --- TCP with the VMs' offloads on ----------------------------------------------------------

_SERVER = """
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(20)
print("listening", flush=True)
c, _ = s.accept(); c.settimeout(20)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b); n += len(b)
c.sendall(h.hexdigest().encode()); c.close()
print(n, h.hexdigest(), flush=True)
"""

_CLIENT = """
import hashlib, socket, sys
size = int(sys.argv[2])
data = b"".join(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size // 32))
s = socket.create_connection((sys.argv[1], 5001), timeout=20)
s.sendall(data); s.shutdown(socket.SHUT_WR)
print(hashlib.sha256(data).hexdigest(), s.recv(100).decode(), flush=True)
"""

TCP_BYTES = 10 * 1024 * 1024


@pytest.mark.parametrize("eid,rloc", [(4, 4), (6, 6)], ids=["eid4-rloc4", "eid6-rloc6"])
def test_tcp_10mb_with_offloads_on(lab, eid, rloc):
    """
    Scenario 1. The VMs keep veth's default offloads (checksum and TSO on), so VM1's TCP
    reaches tap0 as large GSO packets with partial checksums: the lisp port cuts them into
    segments, each in its own LISP datagram, and sends them as one UDP GSO frame; hv2 joins the
    segments back into one large TCP packet for VM2. 10 MB cross the tunnel with the SHA-256 of
    the data equal on both sides, VM2 saw no bad TCP checksum, and ping still works. Mean sizes
    above 1514 bytes per packet prove each step was in play: what tap0 received on hv1 (TSO),
    what eth0 received on hv2 (UDP GSO frames) and what tap0 sent VM2 on hv2 (joined); and
    hv1's host sent the bridge hardly anything: no segment took the slow way through its kernel.
    """
    t = lsnet.readme_lisp(lab, 1, eid, rloc)
    features = t.vm1.ns.run("ethtool", "-k", "eth0").stdout
    for f in ("tx-checksumming: on", "tcp-segmentation-offload: on"):
        assert f in features
    assert t.vm1.ping(t.vm2.addr, count=3, interval=0.05)[:2] == (3, 3)
    server = lab.popen([lsnet.PYTHON, "-c", _SERVER, t.vm2.addr], ns=t.vm2.ns)
    assert server.stdout.readline() == "listening\n"
    start = time.monotonic()
    client = t.vm1.ns.run(lsnet.PYTHON, "-c", _CLIENT, t.vm2.addr, TCP_BYTES, timeout=40)
    elapsed = time.monotonic() - start
    out, err = server.communicate(timeout=20)
    sent_hash, echoed = client.stdout.split()
    n, got_hash = out.split()
    assert (int(n), got_hash, echoed) == (TCP_BYTES, sent_hash, sent_hash), err
    assert t.vm2.snmp("Tcp", "InCsumErrors") == 0   # The TCP MIB counts IPv4 and IPv6.
    for hv, port, way in ((t.hv1, "tap0", "rx"), (t.hv2, "eth0", "rx"), (t.hv2, "tap0", "tx")):
        c = hv.ports()[port][way]
        assert c["bytes"] / c["packets"] > 1514, (hv.label, port, way, c)
    drops = t.hv1.drops()
    assert drops.get("gso", 0) == drops.get("tunnel_tx", 0) == 0, drops
    # Every segment took the direct path: none went through hv1's kernel, whose datagrams
    # would come back into the bridge on br0 one by one (a few ARP or neighbour probes may).
    from_host = t.hv1.ports()["br0"]["rx"]["packets"]
    assert from_host < 50, from_host
    assert t.vm1.ping(t.vm2.addr, count=3, interval=0.05)[:2] == (3, 3)
    print(f"10 MB in {elapsed:.2f} s, {from_host} packets from hv1's host")


def test_tcp_backlog_takes_the_direct_path(lab):
    """
    A backlog of large TCP packets: hv1's daemon is stopped for 50 ms at a time (SIGSTOP)
    while VM1 sends 40 MB, so that VM1's TSO packets pile up on tap0 and the daemon then reads
    a full batch of them, each of which becomes two frames for the direct path. They must all
    take it (none through hv1's kernel, whose datagrams would come back on br0 one by one:
    lisp0's datagrams by way, in `metrics`, say the same), and the data arrives whole.
    """
    t = lsnet.readme_lisp(lab, 1)
    assert t.vm1.ping(t.vm2.addr, count=2, interval=0.05)[:2] == (2, 2)
    server = lab.popen([lsnet.PYTHON, "-c", _SERVER, t.vm2.addr], ns=t.vm2.ns)
    assert server.stdout.readline() == "listening\n"
    client = lab.popen([lsnet.PYTHON, "-c", _CLIENT, t.vm2.addr, str(40 << 20)], ns=t.vm1.ns)
    for _ in range(200):   # Building the data takes VM1 about a second; sending, less.
        if client.poll() is not None:
            break
        os.kill(t.hv1.d.pid, signal.SIGSTOP)
        time.sleep(0.05)
        os.kill(t.hv1.d.pid, signal.SIGCONT)
        time.sleep(0.01)
    sent_hash, echoed = client.communicate(timeout=40)[0].split()
    out, err = server.communicate(timeout=20)
    assert out.split() == [str(40 << 20), sent_hash] and echoed == sent_hash, err
    from_host = t.hv1.ports()["br0"]["rx"]["packets"]
    assert from_host < 50, from_host
    got = lsnet.metric_samples(t.hv1.ctl("metrics"))
    paths = {way: got[("lispswitch_lisp_tx_datagrams_total",
                       frozenset({"bridge": "br0", "port": "lisp0", "event": way}.items()))]
             for way in ("direct", "kernel")}
    assert paths["direct"] > (40 << 20) // 1500 and paths["kernel"] < 50, paths


@pytest.mark.parametrize("eid,rloc", [(4, 4), (6, 6)], ids=["eid4-rloc4", "eid6-rloc6"])
def test_tcp_segments_on_the_wire(lab, tmp_path, eid, rloc):
    """
    The UDP GSO frames hv1 sends for large TCP packets, as a device that cannot take them
    leaves them: hv1's eth0 has its transmit offloads off, so the kernel cuts each frame into
    datagrams in software, with full checksums. On hv2's eth0, tshark decodes up to 200 large
    datagrams of a 1 MB transfer (at least 50: tcpdump may drop some of a burst) as LISP data
    (flags 0x48) carrying one full-sized TCP segment each, the inner TCP checksum good, the outer
    UDP checksum good (most: those cut from GSO frames) or absent (segments the VM sent alone,
    over IPv4), and no frame larger than the underlay's 1514 bytes. hv1's daemon sent larger frames than
    that (it handed the kernel UDP GSO frames), and the data arrives whole.
    """
    t = lsnet.readme_lisp(lab, 1, eid, rloc)
    t.hv1.ns.run("ethtool", "-K", "eth0", "tx", "off")
    assert t.vm1.ping(t.vm2.addr, count=2, interval=0.05)[:2] == (2, 2)
    cap = lsnet.Capture(lab, t.hv2.ns, "eth0", tmp_path / "hv2.pcap", 200,
                        bpf=f"udp port {lsnet.LISP_PORT} and greater 1200")
    server = lab.popen([lsnet.PYTHON, "-c", _SERVER, t.vm2.addr], ns=t.vm2.ns)
    assert server.stdout.readline() == "listening\n"
    client = t.vm1.ns.run(lsnet.PYTHON, "-c", _CLIENT, t.vm2.addr, 1 << 20, timeout=40)
    out, err = server.communicate(timeout=20)
    sent_hash, echoed = client.stdout.split()
    assert out.split() == [str(1 << 20), sent_hash] and echoed == sent_hash, err
    rows = lsnet.tshark_fields(cap.stop(), ["frame.len", "lisp-data.flags", "udp.checksum.status",
                                            "tcp.checksum.status", "tcp.len"],
                               CHECK_CSUM + ["-o", "tcp.check_checksum:TRUE"])
    # tcpdump may lose some of a burst; what it kept must all be right.
    assert len(rows) >= 50, rows
    for frame_len, flags, udp_ok, tcp_ok, tcp_len in rows:
        # A segment the VM sent on its own (not GSO) goes as before: over IPv4, with no UDP
        # checksum (status 3).
        assert (flags, tcp_ok) == ("0x48", "1") and udp_ok in ("1", "3" if rloc == 4 else "1"), rows
        assert int(frame_len) <= 1514 and int(tcp_len) > 1000, rows
    assert sum(r[2] == "1" for r in rows) > len(rows) / 2, rows
    eth0 = t.hv1.ports()["eth0"]["tx"]
    assert eth0["bytes"] / eth0["packets"] > 1514, eth0
    assert t.vm2.snmp("Tcp", "InCsumErrors") == 0


# --- Three hypervisors, map-cache as flows, two tenants --------------------------------------

TENANTS = {"a": 100, "b": 200}
GW_MAC = "00:00:5e:00:53:fe"


def test_three_hypervisors_map_cache_and_instance_ids(lab, tmp_path):
    """
    Three hypervisors on one L2 segment (a kernel bridge in namespace "lan"), each with one
    lisp port shared by all its tunnels and two tenants, a and b, whose VMs have the same EIDs:
    hypervisor N hosts 10.1.N.1 of each tenant. The map-cache is written as flows: per
    destination EID prefix, set_field:RLOC->tun_dst; the tenant goes out as the instance ID
    (set_tunnel: a = 100, b = 200) and comes back in as tun_id, which picks the tenant's VM.

        [hv1] ta (1), tb (2), eth0 (3), lisp0 (4) --+
        [hv2] ta (1), tb (2), eth0 (3), lisp0 (4) --+-- br-lan [lan]
        [hv3] ta (1), tb (2), eth0 (3), lisp0 (4) --+

    The VMs route 10.1.0.0/16 through a gateway with a static neighbour entry (no ARP at all).
    Each tenant's VM on hv1 pings its two peers; the other tenant's VMs receive nothing, and
    every flow counts exactly what it should. On the LAN's port to hv1, tshark sees each of the
    24 LISP packets with its tenant's instance ID, RLOCs and EIDs.
    """
    lan = lab.netns("lan")
    lan.ip("link", "add", "br-lan", "type", "bridge", "stp_state", "0", "mcast_snooping", "0")
    lan.ip("link", "set", "br-lan", "up")
    hvs = []
    for n in (1, 2, 3):
        hv = lsnet.Hypervisor(lab, f"hv{n}")
        lsnet.veth(hv.ns, "eth0", lan, f"to-hv{n}")
        lan.ip("link", "set", f"to-hv{n}", "master", "br-lan", "up")
        for tenant in TENANTS:
            vm = hv.add_vm(f"vm{n}{tenant}", f"t{tenant}", f"10.1.{n}.1/24")
            vm.ns.ip("route", "add", "10.1.0.0/16", "via", f"10.1.{n}.254", "dev", "eth0",
                     "onlink")
            vm.neigh(f"10.1.{n}.254", GW_MAC)
        hv.start()
        hv.ctl("add-br", "br0")
        for port in ("ta", "tb", "eth0"):
            hv.ctl("add-port", "br0", port)
        hv.ctl(*lsnet.GUIDE_COMMANDS[3])
        hv.set_rloc(f"192.168.0.{n}/24")
        hvs.append(hv)
    for n, hv in enumerate(hvs, 1):
        flows = ["priority=0,action=NORMAL"]
        for port, (tenant, iid) in enumerate(TENANTS.items(), 1):
            vm = hv.vms[port - 1]
            flows.append(f"priority=3,in_port=4,tun_id={iid},dl_dst={lsnet.LISP_MAC},"
                         f"actions=mod_dl_dst:{vm.mac},output:{port}")
            for m, peer in enumerate(hvs, 1):
                if peer is not hv:
                    flows.append(f"priority=1,in_port={port},ip,nw_dst=10.1.{m}.0/24,"
                                 f"actions=set_tunnel:{iid},"
                                 f"set_field:{lsnet.plain(peer.rloc)}->tun_dst,output:4")
        flows.append("priority=2,in_port=4,actions=drop")
        hv.add_flows(flows)

    def echoes():
        """Per tenant: echo replies VM 1 got, echo requests VMs 2 and 3 got."""
        return {t: (hvs[0].vms[i].snmp("Icmp", "InEchoReps"),
                    hvs[1].vms[i].snmp("Icmp", "InEchos"), hvs[2].vms[i].snmp("Icmp", "InEchos"))
                for i, t in enumerate(TENANTS)}

    cap = lsnet.Capture(lab, lan, "to-hv1", tmp_path / "lan.pcap", 24)
    for tenant, iid in TENANTS.items():
        src = hvs[0].vms[list(TENANTS).index(tenant)]
        for m in (2, 3):
            sent, received, out = src.ping(f"10.1.{m}.1", count=3, interval=0.05)
            assert (sent, received) == (3, 3), out
        # Tenant a's pings reached only tenant a's VMs; then b's did the same.
        assert echoes() == {"a": (6, 3, 3), "b": (6, 3, 3) if tenant == "b" else (0, 0, 0)}
    rows = lsnet.tshark_fields(cap.stop(), ["lisp-data.flags", "lisp-data.iid",
                                            "lisp-data.lsb8", "ip.src", "ip.dst"])
    expected = collections.Counter()
    for iid in TENANTS.values():
        for m in (2, 3):
            expected[("0x48", str(iid), "0x01", "192.168.0.1,10.1.1.1",
                      f"192.168.0.{m},10.1.{m}.1")] += 3
            expected[("0x48", str(iid), "0x01", f"192.168.0.{m},10.1.{m}.1",
                      "192.168.0.1,10.1.1.1")] += 3
    assert collections.Counter(map(tuple, rows)) == expected
    for n, hv in enumerate(hvs, 1):
        for port, (tenant, iid) in enumerate(TENANTS.items(), 1):
            assert hv.flow_count(f"priority=3,tun_id={iid:#x},in_port=4,") == (6 if n == 1 else 3)
            for m in (1, 2, 3):
                if m != n:
                    want = 3 if n == 1 or m == 1 else 0
                    assert hv.flow_count(f"priority=1,ip,in_port={port},"
                                          f"nw_dst=10.1.{m}.0/24 ") == want
        assert hv.flow_count("priority=2,in_port=4 ") == 0
        assert hv.drops() == {}


# --- ofproto/trace ----------------------------------------------------------------------------

def test_trace_readme_flow(lab):
    """ofproto/trace of VM1's packet through README-lisp's flows on hv1, line by line: table
    0 picks the priority 1 flow, whose set_field prints as OVS prints it for OpenFlow 1.0, and
    the packet leaves through lisp0 to hv2's RLOC with instance ID 0. Then a decapsulated
    packet from lisp0, which the priority 3 flow hands to VM1."""
    t = lsnet.readme_lisp(lab, 1, 4, 4)
    _, out, _ = t.hv1.d.ctl("ofproto/trace", "br0", "in_port=1,ip,nw_src=10.1.0.1,nw_dst=10.1.0.2")
    l3 = "nw_src=10.1.0.1,nw_dst=10.1.0.2,nw_proto=0,nw_tos=0,nw_ttl=0,tp_src=0,tp_dst=0"
    zero = "dl_src=00:00:00:00:00:00,dl_dst=00:00:00:00:00:00,dl_type=0x0800"
    assert out.splitlines() == [
        f"Flow: in_port=1,vlan_tci=0x0000,{zero},{l3}",
        "",
        'bridge("br0")',
        " 0. priority=1,ip,in_port=1,vlan_tci=0x0000,nw_src=10.1.0.0/24",
        "    load:0xc0a80002->NXM_NX_TUN_IPV4_DST[]",
        "    output:3",
        "    -> output to port lisp0",
        "      encapsulated: UDP + LISP to 192.168.0.2, instance ID 0 (port lisp0)",
        "",
        f"Final flow: in_port=1,tun_src=0.0.0.0,tun_dst=192.168.0.2,vlan_tci=0x0000,{zero},{l3}",
        "Result: forwarded",
    ]
    # The alias, and the way back in.
    assert t.hv1.d.ctl("trace", "br0", "in_port=1,ip,nw_src=10.1.0.1,nw_dst=10.1.0.2")[1] == out
    tun = "tun_src=192.168.0.2,tun_dst=192.168.0.1"
    _, out, _ = t.hv1.d.ctl("ofproto/trace", "br0",
                            f"in_port=3,{tun},ip,dl_dst=02:00:00:00:00:00,"
                            "nw_src=10.1.0.2,nw_dst=10.1.0.1")
    l3 = "nw_src=10.1.0.2,nw_dst=10.1.0.1,nw_proto=0,nw_tos=0,nw_ttl=0,tp_src=0,tp_dst=0"
    head = f"in_port=3,{tun},vlan_tci=0x0000,dl_src=00:00:00:00:00:00"
    assert out.splitlines() == [
        f"Flow: {head},dl_dst=02:00:00:00:00:00,dl_type=0x0800,{l3}",
        "",
        'bridge("br0")',
        " 0. priority=3,dl_dst=02:00:00:00:00:00",
        f"    mod_dl_dst:{t.vm1.mac}",
        "    output:1",
        "    -> output to port tap0",
        "",
        f"Final flow: {head},dl_dst={t.vm1.mac},dl_type=0x0800,{l3}",
        "Result: forwarded",
    ]
