"""
The lisp port on the wire: what other encapsulators send is accepted, malformed and hostile
datagrams are counted and dropped, packets the port cannot send are counted, path MTU. The
topology is README-lisp's scenario 1 (lsnet.readme_lisp), and crafted datagrams come from the
remote hypervisor's namespace, through its br0 and the underlay, to hv1's RLOC on UDP 4341:

        [vm1] == tap0 (1) br0 (hv1, 192.168.0.1) eth0 (2) ==== eth0 (2) br0 (hv2) tap0 == [vm2]
                          lisp0 (3)                              ^ crafted datagrams sent here
"""
import collections

import pytest
from scapy.fields import X3BytesField, XByteField
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw
from scapy.utils import rdpcap

import lsnet

ECHO_ID = 0x4c50


class LISPData(Packet):
    """RFC 9300 section 5.3: flags, 24 bits of nonce / versions / reserved, then the instance ID
    and LSB byte (I=1) or 32 locator-status bits (I=0: put them in 'iid' and 'lsb')."""
    name = "LISP data"
    fields_desc = [XByteField("flags", 0x48), X3BytesField("word0", 0),
                   X3BytesField("iid", 0), XByteField("lsb", 0x01)]


def echo4(src, dst, seq, payload=b"lispswitch"):
    return bytes(IP(src=lsnet.plain(src), dst=lsnet.plain(dst)) /
                 ICMP(id=ECHO_ID, seq=seq) / Raw(payload))


def echo6(src, dst, seq):
    return bytes(IPv6(src=lsnet.plain(src), dst=lsnet.plain(dst)) /
                 ICMPv6EchoRequest(id=ECHO_ID, seq=seq))


@pytest.fixture
def s1(lab):
    return lsnet.readme_lisp(lab, 1, 4, 4)


# What other encapsulators put in the LISP header (RFC 9300 section 5.3; OOR, VPP, OVS).
FOREIGN = [
    ("OVS kernel port: L I, LSB 0x01", dict(flags=0x48, word0=0, iid=0, lsb=0x01), 4341),
    ("nonce: N I", dict(flags=0x88, word0=0xabcdef, iid=0, lsb=0), 4341),
    ("echo-nonce request: N E I", dict(flags=0xa8, word0=0x123456, iid=0, lsb=0), 4341),
    ("map versions 5/7: V I", dict(flags=0x18, word0=0x005007, iid=0, lsb=0), 4341),
    ("N and V both: a nonce", dict(flags=0x98, word0=0x777777, iid=0, lsb=0), 4341),
    ("no IID, LSBs: L", dict(flags=0x40, word0=0, iid=0, lsb=0x03), 4341),
    ("no flags at all", dict(flags=0x00, word0=0, iid=0, lsb=0), 4341),
    ("E without N: ignored", dict(flags=0x28, word0=0, iid=0, lsb=0), 4341),
    ("R and a VPP next-protocol byte", dict(flags=0x0c, word0=0x000001, iid=0, lsb=0), 4341),
    ("N L I R, LSB 0xfe", dict(flags=0xcc, word0=0x010203, iid=0, lsb=0xfe), 4341),
    ("instance ID 42", dict(flags=0x08, word0=0, iid=42, lsb=0), 4341),
    ("source port 61000", dict(flags=0x48, word0=0, iid=0, lsb=0x01), 61000),
    ("source port 1024", dict(flags=0x88, word0=0x000001, iid=0, lsb=0), 1024),
]


def test_foreign_encapsulators_are_accepted(s1):
    """
    Echo requests from VM2's EID to VM1's, each in a LISP header another implementation could
    send (nonce, echo-nonce, map versions, LSBs, R, IIDs, any source port), built with scapy and
    sent from hv2's namespace: every one is decapsulated, taken by the priority 3 flow and
    answered by VM1 (its ICMP InEchos counts them all), nothing dropped.
    """
    t = s1
    before = t.vm1.snmp("Icmp", "InEchos")
    by_sport = collections.defaultdict(list)
    for seq, (_, hdr, sport) in enumerate(FOREIGN, 1):
        by_sport[sport].append(bytes(LISPData(**hdr)) + echo4(t.vm2.ip, t.vm1.ip, seq))
    for sport, payloads in by_sport.items():
        lsnet.send_udp(t.hv2.ns, t.hv1.rloc, payloads, sport=sport)
    n = len(FOREIGN)
    assert lsnet.wait_until(lambda: t.vm1.snmp("Icmp", "InEchos") - before == n, timeout=3), \
        t.hv1.ports()["lisp0"]
    lisp0 = t.hv1.ports()["lisp0"]
    assert lisp0["rx"]["packets"] == n
    assert t.hv1.drops() == {}
    assert t.hv1.flow_count("priority=3,") == n


def test_ovs_kernel_format_round_trips(s1, lab, tmp_path):
    """
    An echo request in exactly the bytes OVS's kernel LISP port sent (48 00 00 00 | IID 0 | 01)
    reaches VM1, and VM1's echo reply comes back to hv2 in the same format: the LISP header
    bytes equal, the inner packet the matching reply (same id, sequence and payload).
    """
    t = s1
    header = bytes.fromhex("4800000000000001")
    request = echo4(t.vm2.ip, t.vm1.ip, 7, b"round trip")
    cap = lsnet.Capture(lab, t.hv2.ns, "eth0", tmp_path / "hv2.pcap", 1)
    lsnet.send_udp(t.hv2.ns, t.hv1.rloc, [header + request])
    pkts = rdpcap(str(cap.stop()))
    assert len(pkts) == 1
    outer = pkts[0][IP]
    payload = bytes(outer.payload.payload)
    assert (outer.src, outer.dst, outer.payload.dport) == (t.hv1.rloc_addr, t.hv2.rloc_addr, 4341)
    assert payload[:8] == header
    reply = IP(payload[8:])
    assert (reply.src, reply.dst) == (t.vm1.addr, t.vm2.addr)
    assert (reply[ICMP].type, reply[ICMP].id, reply[ICMP].seq, bytes(reply[ICMP].payload)) == \
        (0, ECHO_ID, 7, b"round trip")


def bad_packets(vm_src, vm_dst):
    """(name, UDP payload, drop reason) for hostile input: at least 20 rows."""
    ovs = bytes.fromhex("4800000000000001")
    good4 = echo4(vm_src, vm_dst, 1)
    good6 = echo6("fd00:1::2", "fd00:1::1", 1)

    def v4(ihl=5, total=None, body=b""):
        hdr = bytearray(bytes(IP(src=lsnet.plain(vm_src), dst=lsnet.plain(vm_dst), proto=1)))
        hdr[0] = 0x40 | ihl
        hdr = bytes(hdr) + bytes(max(0, ihl * 4 - 20))
        size = len(hdr) + len(body)
        total = size if total is None else total
        return hdr[:2] + total.to_bytes(2, "big") + hdr[4:] + body

    def v6(plen, body):
        hdr = bytearray(good6[:40])
        hdr[4:6] = plen.to_bytes(2, "big")
        return bytes(hdr) + body

    return [
        ("empty payload", b"", "lisp_short"),
        ("one byte", b"\x48", "lisp_short"),
        ("seven bytes", ovs[:7], "lisp_short"),
        ("LISP header only", ovs, "lisp_short"),
        ("header + 1 byte of IPv4", ovs + b"\x45", "lisp_short"),
        ("header + 19 bytes of IPv4", ovs + good4[:19], "lisp_short"),
        ("header + 39 bytes of IPv6", ovs + good6[:39], "lisp_short"),
        ("KK=01", bytes.fromhex("4900000000000001") + good4, "lisp_encrypted"),
        ("KK=10", bytes.fromhex("4a00000000000001") + good4, "lisp_encrypted"),
        ("KK=11", bytes.fromhex("4b00000000000001") + good4, "lisp_encrypted"),
        ("KK=11, header only", bytes.fromhex("4b00000000000001"), "lisp_encrypted"),
        ("N and KK", bytes.fromhex("8b12345600000000") + good4, "lisp_encrypted"),
        ("inner version 5", ovs + b"\x55" + good4[1:], "lisp_inner_version"),
        ("inner version 0", ovs + b"\x05" + good4[1:], "lisp_inner_version"),
        ("inner version 15", ovs + b"\xf5" + good4[1:], "lisp_inner_version"),
        ("ARP inside", ovs + bytes(ARP(psrc="10.1.0.2", pdst="10.1.0.1")), "lisp_inner_version"),
        ("Ethernet frame inside", ovs + bytes(Ether(dst="ff:ff:ff:ff:ff:ff") / good4[:40]),
         "lisp_inner_version"),
        ("IPv4 IHL 4", ovs + v4(ihl=4, body=bytes(40)), "lisp_inner_truncated"),
        ("IPv4 total length beyond the datagram", ovs + v4(total=200, body=bytes(20)),
         "lisp_inner_truncated"),
        ("IPv4 total length below its header", ovs + v4(total=19, body=bytes(20)),
         "lisp_inner_truncated"),
        ("IPv4 IHL 15 in a 40-byte packet", ovs + v4(ihl=15, total=40, body=b""),
         "lisp_inner_truncated"),
        ("IPv4 options cut short", ovs + v4(ihl=6, total=24)[:20], "lisp_inner_truncated"),
        ("IPv6 payload length beyond the datagram", ovs + v6(100, bytes(8)),
         "lisp_inner_truncated"),
        ("IPv6 payload length 65535", ovs + v6(65535, bytes(16)), "lisp_inner_truncated"),
    ]


@pytest.mark.parametrize("rloc", [4, 6], ids=["rloc4", "rloc6"])
def test_malformed_input_counted_per_reason(lab, rloc):
    """
    While VM1 pings VM2 (100 echoes, 20 ms apart), hv2's namespace sends hv1's RLOC each bad
    datagram of the table twice, and an outer ECN CE around a Not-ECT inner packet (RFC 6040)
    twice. hv1's lisp0 counts each under its reason, exactly; it receives exactly the 100
    replies; the ping loses nothing; the daemon lives on.
    """
    t = lsnet.readme_lisp(lab, 1, 4, rloc)
    assert t.vm1.ping(t.vm2.addr, count=1)[:2] == (1, 1)   # ARP done before counting.
    rx0 = t.hv1.ports()["lisp0"]["rx"]["packets"]
    table = bad_packets(t.vm2.ip, t.vm1.ip)
    assert len(table) >= 20
    count = 100
    ping = lab.popen(lsnet.Vm.ping_argv(t.vm2.addr, count=count, interval=0.02), ns=t.vm1.ns)
    payloads = [p for _, p, _ in table]
    lsnet.send_udp(t.hv2.ns, t.hv1.rloc, payloads + payloads)
    ce = bytes.fromhex("4800000000000001") + echo4(t.vm2.ip, t.vm1.ip, 9)
    lsnet.send_udp(t.hv2.ns, t.hv1.rloc, [ce, ce], tos=0x03)
    out, _ = ping.communicate(timeout=count * 0.02 + 10)
    assert lsnet.parse_ping(out) == (count, count), out

    expected = collections.Counter()
    for _, _, reason in table:
        expected[reason] += 2
    expected["lisp_ecn"] += 2
    assert t.hv1.drops() == dict(expected)
    assert t.hv1.ports()["lisp0"]["rx"]["packets"] - rx0 == count
    assert t.hv1.d.running()
    assert t.vm1.ping(t.vm2.addr, count=2, interval=0.05)[:2] == (2, 2)


def test_no_lisp_port_for_the_key(lab):
    """
    A lisp port that only takes instance ID 5 (in_key=5): a datagram with IID 5 enters the
    bridge, two with IID 6 match no port and are counted as lisp_no_port on it. One namespace,
    the datagrams sent to its own br0 address.
    """
    hv = lsnet.Hypervisor(lab, "hv")
    hv.start()
    hv.ctl("add-br", "br0")
    hv.ctl("add-port", "br0", "lisp0", "--", "set", "Interface", "lisp0", "type=lisp",
           "options:remote_ip=flow", "options:in_key=5")
    hv.set_rloc("192.168.0.1/24")
    inner = echo4("10.1.0.2/24", "10.1.0.1/24", 1)
    iid5, iid6 = (bytes(LISPData(iid=i)) + inner for i in (5, 6))
    lsnet.send_udp(hv.ns, "192.168.0.1", [iid6, iid5, iid6])
    assert lsnet.wait_until(lambda: hv.ports()["lisp0"]["rx"]["packets"] == 1, timeout=3)
    assert hv.drops() == {"lisp_no_port": 2}


def test_packets_the_lisp_port_cannot_send(s1):
    """
    Flows that send VM1's frames to lisp0 without what it needs: 4 ARP frames (non_ip: a layer
    3 port carries IPv4 and IPv6 only), 3 IPv4 packets without a tunnel destination
    (no_tunnel_dst), 2 with an instance ID above 24 bits (key_range). Each counted once under
    its reason; nothing sent.
    """
    t = s1
    t.hv1.add_flows([
        "priority=5,in_port=1,arp,arp_tpa=10.9.9.9,actions=output:3",
        "priority=5,in_port=1,ip,nw_dst=10.9.9.9,actions=output:3",
        "priority=5,in_port=1,ip,nw_dst=10.9.9.8,"
        "actions=set_tunnel:0x1000000,set_field:192.168.0.2->tun_dst,output:3",
    ])
    arp = Ether(src=t.vm1.mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        hwsrc=t.vm1.mac, psrc=t.vm1.addr, pdst="10.9.9.9")
    t.vm1.sendp(bytes(arp), 4)
    for dst, n in (("10.9.9.9", 3), ("10.9.9.8", 2)):
        frame = Ether(src=t.vm1.mac, dst="02:00:00:00:00:99") / IP(src=t.vm1.addr, dst=dst) / ICMP()
        t.vm1.sendp(bytes(frame), n)
    assert lsnet.wait_until(lambda: sum(t.hv1.drops().values()) == 9, timeout=3)
    assert t.hv1.drops() == {"non_ip": 4, "no_tunnel_dst": 3, "key_range": 2}
    assert t.hv1.ports()["lisp0"]["tx"]["packets"] == 0


PMTU_CASES = [
    pytest.param(4, 4, 1464, "Frag needed and DF set (mtu = 1464)", id="eid4-rloc4"),
    pytest.param(4, 6, 1444, "Frag needed and DF set (mtu = 1444)", id="eid4-rloc6"),
    pytest.param(6, 4, 1464, "Packet too big: mtu=1464", id="eid6-rloc4"),
    pytest.param(6, 6, 1444, "Packet too big: mtu=1444", id="eid6-rloc6"),
]


@pytest.mark.parametrize("eid,rloc,mtu,message", PMTU_CASES)
def test_path_mtu(lab, eid, rloc, mtu, message):
    """
    The underlay's MTU is 1500, so the tunnel carries inner packets of 1500 - 36 (IPv4 RLOCs)
    or 1500 - 56 (IPv6 RLOCs) bytes. A 1500-byte ping with DF (IPv6: always) gets ICMP
    "fragmentation needed" / "packet too big" with that MTU from the lisp port, counted once as
    `mtu` (the VM's kernel then knows and sends no more); a ping that just fits goes through.
    Without DF (IPv4), the lisp port fragments the inner packet and the 1500-byte pings are
    answered.
    """
    t = lsnet.readme_lisp(lab, 1, eid, rloc)
    assert t.vm1.ping(t.vm2.addr, count=1)[:2] == (1, 1)
    over = 1500 - (48 if eid == 6 else 28)   # ICMP payload making a 1500-byte IP packet.
    argv = ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", "-M", "do"]
    r = t.vm1.ns.run(*argv, "-s", over, t.vm2.addr, check=False, timeout=10)
    assert f"From {t.vm2.addr} icmp_seq=1 {message}" in r.stdout, r.stdout
    assert lsnet.parse_ping(r.stdout)[1] == 0
    assert t.hv1.drops() == {"mtu": 1}
    fits = over - (1500 - mtu)
    r = t.vm1.ns.run(*argv, "-s", fits, t.vm2.addr, check=False, timeout=10)
    assert lsnet.parse_ping(r.stdout) == (3, 3), r.stdout
    if eid == 4:
        argv[-1] = "dont"
        t.vm1.ns.ip("route", "flush", "cache")
        r = t.vm1.ns.run(*argv, "-s", over, t.vm2.addr, check=False, timeout=10)
        assert lsnet.parse_ping(r.stdout) == (3, 3), r.stdout
        assert f"{over + 8} bytes from {t.vm2.addr}" in r.stdout
    assert t.hv1.drops() == {"mtu": 1}
