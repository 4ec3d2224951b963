"""
Hostile traffic (issue 8, part 2): while VM1 pings VM2 and VM2 sends VM1 a bounded TCP stream
over README-lisp's tunnel, more than 100,000 crafted bad packets arrive from VM1's port and from
the underlay. Every one must be accounted for: dropped under a reason, or forwarded where the
README flows send it, exactly as computed here; the legit traffic loses nothing; the daemons
live and their RSS stays bounded.

                 [vm1] eth0 (MTU 9000)                    [vm2] eth0
   bad frames A ->  |                                        |
               tap0 (1)                                   tap0 (1)
    lisp0 (3) -- br0 (hv1) -- eth0 (2) ===== eth0 (2) -- br0 (hv2) -- lisp0 (3)
               192.168.0.1        ^ bad frames C           192.168.0.2
                                  (AF_PACKET on hv2's eth0)   -> bad UDP payloads B
                                                                 (raw socket to hv1:4341)

A: Ethernet frames from VM1's eth0, source and destination VM1's own MAC (so that NORMAL
   learns the source and then finds the destination on the input port: a hairpin drop), or, if
   they match README's tunnel flow (IPv4, untagged, source in 10.1.0.0/24), sent into lisp0;
   those too big for the tunnel with DF set are dropped as mtu and answered with ICMP to VM1.
   802.1Q frames cut inside their tag (14 to 19 bytes) never reach the switch: the kernel frees
   them (skb_vlan_untag) before any packet socket sees them. Runts (< 14 bytes) cannot be sent
   through a veth at all (EINVAL), so the switch's runt reason is not reachable from here.
B: UDP payloads for hv1's LISP receiver: every LISP flag byte, truncations at every offset,
   lying inner lengths, unknown inner versions; decapsulated (then README's priority 3 flow
   sends them to VM1) or dropped under a lisp_* reason, as lisp-dp.c's rules say.
C: Ethernet frames on the underlay to hv1's br0 MAC with broken outer headers (IP/UDP checksums,
   truncated, lying lengths, options, fragments, zero-length UDP): the switch forwards each to
   br0 (LOCAL); the kernel then drops what is malformed (its own counters) and hands the rest to
   the LISP receiver, whose payload (KK=11) is counted lisp_encrypted.

Neighbour entries are permanent (VMs and RLOCs), so that no ARP disturbs the counts.
"""
import collections
import hashlib
import json
import struct
import time

from scapy.layers.inet import ICMP, IP, UDP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw

import lsnet

BLAST = lsnet.REPO / "tests/system/blast.py"
OVS_HDR = bytes.fromhex("4800000000000001")
KK_HDR = bytes.fromhex("4b00000000000001")
RSS_BOUND_KIB = 8 * 1024
VM_PREFIX = ("10.1.0.",)


# --- The model: what the switch does with each crafted packet ----------------------------------

def lisp_fate(payload):
    """lisp-dp.c's rules (RFC 9300 section 5.3): 'decap' or the drop reason's name."""
    if len(payload) < 8:
        return "lisp_short"
    if payload[0] & 0x03:
        return "lisp_encrypted"
    inner = payload[8:]
    if not inner:
        return "lisp_short"
    version = inner[0] >> 4
    if version == 4:
        if len(inner) < 20:
            return "lisp_short"
        ihl, total = (inner[0] & 0xf) * 4, inner[2] << 8 | inner[3]
        return "decap" if ihl >= 20 and ihl <= total <= len(inner) else "lisp_inner_truncated"
    if version == 6:
        if len(inner) < 40:
            return "lisp_short"
        return "decap" if 40 + (inner[4] << 8 | inner[5]) <= len(inner) else \
            "lisp_inner_truncated"
    return "lisp_inner_version"


def vm_fate(frame, tunnel_mtu):
    """hv1's fate for frame 'frame' from VM1 (flow.c's extraction, README's flows): 'hairpin',
    'lisp' or 'mtu' (too big with DF set: dropped, ICMP sent back)."""
    if len(frame) < 14:
        return "runt"
    if frame[12:14] in (b"\x81\x00", b"\x88\xa8") and len(frame) < 20:
        return "kernel"             # skb_vlan_untag() frees it before packet sockets see it.
    if frame[12:14] != b"\x08\x00":
        return "hairpin"            # ARP, IPv6, tagged, other: priority 2 or 0, NORMAL.
    ip = frame[14:]
    if len(ip) < 20 or ip[0] >> 4 != 4 or (ip[0] & 0xf) < 5 or (ip[0] & 0xf) * 4 > len(ip):
        return "hairpin"            # No nw_src extracted: the tunnel flow does not match.
    if ".".join(map(str, ip[12:16])).rsplit(".", 1)[0] + "." not in VM_PREFIX:
        return "hairpin"
    if len(ip) > tunnel_mtu:
        return "mtu" if ip[6] & 0x40 else "fragments"
    return "lisp"


# --- The packets ---------------------------------------------------------------------------

def set_u16(b, off, v):
    b = bytearray(b)
    b[off:off + 2] = struct.pack("!H", v & 0xffff)
    return bytes(b)


def vm_frames(mac, src, dst):
    """Set A: crafted frames from VM1 (src and dst MAC both 'mac')."""
    e = Ether(src=mac, dst=mac)
    s, d = lsnet.plain(src), lsnet.plain(dst)
    bases = [
        e / IP(src=s, dst=d) / ICMP(id=1, seq=1) / Raw(b"x" * 40),
        e / IP(src=s, dst=d) / UDP(sport=1, dport=2),                         # zero-length UDP
        e / IP(src=s, dst=d, options=b"\x01" * 4 + b"\x07\x07\x04" + bytes(5)) / UDP() / b"o",
        e / IP(src=s, dst=d, flags=1, frag=0) / UDP(sport=9, dport=9) / (b"f" * 64),
        e / IP(src=s, dst=d, frag=100) / (b"g" * 64),                          # a later fragment
        e / IP(src=s, dst=d, proto=99) / (b"h" * 30),
        e / IP(src="10.9.9.9", dst=d) / ICMP() / b"outside the EID prefix",
        e / IPv6(src="fd00:1::1", dst="fd00:1::2") / UDP() / b"v6",
        e / ARP(psrc=s, pdst=d),
        e / Dot1Q(vlan=7) / IP(src=s, dst=d) / ICMP(),
        e / Dot1Q(vlan=0) / Dot1Q(vlan=5) / IP(src=s, dst=d) / ICMP(),
        e / IP(src=s, dst=d) / TCP(flags="S", options=[("MSS", 1460), ("NOP", None)]),
        Ether(src=mac, dst=mac, type=0x1234) / (b"\x00" * 40),
    ]
    frames = []
    for b in bases:
        raw = bytes(b)
        frames.append(raw)
        frames += [raw[:n] for n in range(14, len(raw))]                   # truncated everywhere
    ip = bytes(bases[0])
    for total in (0, 1, 19, 20, 21, 67, 69, 1000, 65535):                  # lying total lengths
        frames.append(set_u16(ip, 16, total))
    for ihl in range(16):                                                  # every IHL
        frames.append(ip[:14] + bytes([0x40 | ihl]) + ip[15:])
    for version in range(16):                                              # every IP version
        frames.append(ip[:14] + bytes([version << 4 | 5]) + ip[15:])
    bad_csum = bytearray(ip)
    bad_csum[24] ^= 0xff
    frames.append(bytes(bad_csum))
    for df in (True,):                                                     # jumbo, DF: mtu
        frames.append(bytes(e / IP(src=s, dst=d, flags=2 if df else 0) / UDP(sport=7, dport=7) /
                            (b"j" * 8000)))
    return frames


def lisp_payloads(src, dst):
    """Set B: UDP payloads for hv1's LISP receiver."""
    s, d = lsnet.plain(src), lsnet.plain(dst)
    echo = bytes(IP(src=s, dst=d) / ICMP(id=0x4c50, seq=1) / Raw(b"lisp"))
    echo6 = bytes(IPv6(src="fd00:1::2", dst="fd00:1::1") / UDP(sport=1, dport=2) / b"6")
    out = []
    for flags in range(256):                                   # every flag combination
        for inner in (echo, echo6, b"\x55" + echo[1:], echo[:19]):
            out.append(bytes([flags]) + b"\x12\x34\x56\x00\x00\x00\x01" + inner)
    whole = OVS_HDR + echo
    out += [whole[:n] for n in range(len(whole))]              # truncated at every offset
    whole6 = OVS_HDR + echo6
    out += [whole6[:n] for n in range(len(whole6))]
    for total in (0, 1, 19, 20, len(echo) - 1, len(echo) + 1, 65535):
        out.append(OVS_HDR + set_u16(echo, 2, total))
    for plen in (0, 7, len(echo6) - 41, len(echo6) - 39, 65535):
        out.append(OVS_HDR + set_u16(echo6, 4, plen))
    for version in range(16):
        out.append(OVS_HDR + bytes([version << 4 | 5]) + echo[1:])
    out.append(OVS_HDR + bytes(1400))                            # zeros: version 0
    return out


def underlay_frames(dst_mac, src_mac, src, dst):
    """Set C: outer headers broken in every way the kernel must catch, LISP payload KK=11."""
    e = Ether(src=src_mac, dst=dst_mac)
    s, d = lsnet.plain(src), lsnet.plain(dst)
    payload = KK_HDR + bytes(IP(src="10.1.0.2", dst="10.1.0.1") / ICMP())
    good = bytes(e / IP(src=s, dst=d) / UDP(sport=4341, dport=4341, chksum=0) / payload)
    frames = [good[:n] for n in range(14, len(good))]              # truncated everywhere
    for total in (0, 19, 20, 28, 29, 200, 65535):
        frames.append(set_u16(good, 16, total))                    # lying IP length
    for ulen in (0, 7, 8, 9, 100, 65535):
        frames.append(set_u16(good, 38, ulen))                     # lying UDP length
    bad = bytearray(good)
    bad[24] ^= 0x55
    frames.append(bytes(bad))                                      # bad IP checksum
    frames.append(bytes(e / IP(src=s, dst=d) / UDP(sport=4341, dport=4341, chksum=0x1234) /
                        payload))                                  # bad UDP checksum
    frames.append(bytes(e / IP(src=s, dst=d) / UDP(sport=4341, dport=4341, chksum=0)))
    frames.append(bytes(e / IP(src=s, dst=d, options=b"\x01\x01\x01\x00") /
                        UDP(sport=4341, dport=4341, chksum=0) / payload))   # IP options
    frames.append(bytes(e / IP(src=s, dst=d, flags=1, id=77) /
                        UDP(sport=4341, dport=4341, chksum=0) / payload))   # first fragment
    frames.append(bytes(e / IP(src=s, dst=d, frag=3, id=78, proto=17) / payload))
    frames.append(bytes(e / IP(src=s, dst=d, ttl=0) / UDP(sport=4341, dport=4341, chksum=0) /
                        payload))
    frames.append(bytes(e / IP(src=s, dst=d, version=5) / UDP(sport=4341, dport=4341) /
                        payload))
    return frames


def write_records(path, packets, repeat):
    with open(path, "wb") as f:
        for _ in range(repeat):
            for p in packets:
                f.write(struct.pack("!I", len(p)) + p)
    return len(packets) * repeat


# --- Counters ------------------------------------------------------------------------------

def snapshot(t):
    """Every counter the accounting uses."""
    def port(hv):
        return {name: row for name, row in hv.ports().items()}
    return {
        "hv1": port(t.hv1), "hv2": port(t.hv2),
        "hv1_decap_flow": t.hv1.flow_count("priority=3,"),
        "vm1_tx": lsnet.link_stat(t.vm1.ns, "eth0", "tx_packets"),
        "tap0_k": [lsnet.link_stat(t.hv1.ns, "tap0", k) for k in ("rx_packets", "rx_dropped")],
        "vm1_k": [lsnet.link_stat(t.vm1.ns, "eth0", k) for k in ("tx_packets", "tx_dropped")],
        "vm1_ip_out": t.vm1.snmp("Ip", "OutRequests"),
        "hv2_eth0_tx": lsnet.link_stat(t.hv2.ns, "eth0", "tx_packets"),
        "hv1_udp_rcvbuf": lsnet.snmp_counter(t.hv1.ns, "Udp", "RcvbufErrors"),
        "hv2_udp_rcvbuf": lsnet.snmp_counter(t.hv2.ns, "Udp", "RcvbufErrors"),
    }


def quiet_snapshot(t, timeout=10.0):
    """A snapshot once two taken 0.3 s apart agree: nothing in flight (TCP's last ACKs)."""
    deadline = time.monotonic() + timeout
    prev = snapshot(t)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        cur = snapshot(t)
        if cur == prev:
            break
        prev = cur
    return prev


def delta(a, b, hv, port, *path):
    x, y = a[hv][port], b[hv][port]
    for k in path:
        x, y = x.get(k, 0), y.get(k, 0)
    return y - x


def drop_deltas(a, b, hv, port):
    before = a[hv][port]["drops"]
    return {k: v - before.get(k, 0) for k, v in b[hv][port]["drops"].items()
            if v - before.get(k, 0)}


_TCP_SERVER = """
import hashlib, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5001)); s.listen(1); s.settimeout(40)
print("ready", flush=True)
c, _ = s.accept(); c.settimeout(40)
h, n = hashlib.sha256(), 0
while True:
    b = c.recv(65536)
    if not b:
        break
    h.update(b); n += len(b)
print(n, h.hexdigest(), flush=True)
"""

_TCP_CLIENT = """
import socket, sys, time
data = bytes(range(256)) * (int(sys.argv[2]) // 256)
s = socket.create_connection((sys.argv[1], 5001), timeout=40)
for off in range(0, len(data), 8192):
    s.sendall(data[off:off + 8192]); time.sleep(0.0005)
s.close()
"""

TCP_BYTES = 4 * 1024 * 1024
PACE = (16, 2.0, 50)   # blast.py: 16 packets, then 2 ms of rest; at most 50 s.


def test_hostile_traffic_is_counted_and_harmless(lab, tmp_path):
    t = lsnet.readme_lisp(lab, 1, 4, 4)
    t.vm1.neigh(t.vm2.addr, t.vm2.mac)
    t.vm2.neigh(t.vm1.addr, t.vm1.mac)
    br0_mac = {hv: json.loads(hv.ns.ip("-j", "link", "show", "br0").stdout)[0]["address"]
               for hv in (t.hv1, t.hv2)}
    t.hv1.ns.ip("neigh", "replace", t.hv2.rloc_addr, "lladdr", br0_mac[t.hv2], "dev", "br0",
                "nud", "permanent")
    t.hv2.ns.ip("neigh", "replace", t.hv1.rloc_addr, "lladdr", br0_mac[t.hv1], "dev", "br0",
                "nud", "permanent")
    for ns, ifname in ((t.vm1.ns, "eth0"), (t.hv1.ns, "tap0")):
        ns.ip("link", "set", ifname, "mtu", "9000")
    assert t.vm1.ping(t.vm2.addr, count=2, interval=0.1)[:2] == (2, 2)   # br0 MACs learned.

    # The tunnel's inner MTU: the underlay's 1500 less outer IPv4, UDP and LISP headers.
    tunnel_mtu = 1500 - 20 - 8 - 8
    a = vm_frames(t.vm1.mac, t.vm1.ip, t.vm2.ip)
    b = lisp_payloads(t.vm2.ip, t.vm1.ip)
    c = underlay_frames(br0_mac[t.hv1], br0_mac[t.hv2], t.hv2.rloc, t.hv1.rloc)
    reps = {"a": 64, "b": 44, "c": 120}
    n_a = write_records(tmp_path / "a", a, reps["a"])
    n_b = write_records(tmp_path / "b", b, reps["b"])
    n_c = write_records(tmp_path / "c", c, reps["c"])
    assert n_a + n_b + n_c >= 100_000, (n_a, n_b, n_c)

    server = lab.popen([lsnet.PYTHON, "-c", _TCP_SERVER], ns=t.vm1.ns)
    assert server.stdout.readline().strip() == "ready"
    rss0 = {hv: lsnet.rss_kib(hv.d.pid) for hv in (t.hv1, t.hv2)}

    # Phase 1: sets A and B while VM1 pings VM2 and VM2 sends VM1 4 MiB over TCP.
    before = quiet_snapshot(t)
    ping = lab.popen(lsnet.Vm.ping_argv(t.vm2.addr, count=200, interval=0.05), ns=t.vm1.ns)
    client = lab.popen([lsnet.PYTHON, "-c", _TCP_CLIENT, t.vm1.addr, TCP_BYTES], ns=t.vm2.ns)
    blasts = [lab.popen([lsnet.PYTHON, BLAST, "l2", "eth0", tmp_path / "a", *PACE], ns=t.vm1.ns),
              lab.popen([lsnet.PYTHON, BLAST, "udp", t.hv1.rloc_addr, tmp_path / "b", *PACE],
                        ns=t.hv2.ns)]
    results = [json.loads(p.communicate(timeout=60)[0]) for p in blasts]
    ping_out, _ = ping.communicate(timeout=30)
    assert client.wait(timeout=45) == 0, client.stderr.read()
    got = server.communicate(timeout=45)[0].split()
    after = quiet_snapshot(t)

    # Every crafted packet left its sender; the legit traffic lost nothing.
    assert [r["sent"] for r in results] == [n_a, n_b], results

    # Nothing lost before the switch saw it (rings, socket buffers), but for what the kernel
    # itself refuses (tagged frames cut inside their tag).
    for hv in ("hv1", "hv2"):
        for port in ("tap0", "eth0", "br0"):
            assert delta(before, after, hv, port, "rx", "dropped") == 0, (hv, port)
    assert after["hv1_udp_rcvbuf"] == before["hv1_udp_rcvbuf"]
    assert after["hv2_udp_rcvbuf"] == before["hv2_udp_rcvbuf"]
    assert lsnet.parse_ping(ping_out) == (200, 200), ping_out
    expect_hash = hashlib.sha256(bytes(range(256)) * (TCP_BYTES // 256)).hexdigest()
    assert got == [str(TCP_BYTES), expect_hash]
    fate_a = collections.Counter(vm_fate(f, tunnel_mtu) for f in a)
    fate_a = {k: v * reps["a"] for k, v in fate_a.items()}
    assert set(fate_a) == {"hairpin", "lisp", "mtu", "kernel"}, fate_a
    assert delta(before, after, "hv1", "tap0", "rx", "packets") == \
        after["vm1_tx"] - before["vm1_tx"] - fate_a["kernel"]
    assert delta(before, after, "hv1", "eth0", "rx", "packets") == \
        after["hv2_eth0_tx"] - before["hv2_eth0_tx"]

    # Set A at the switch: hairpins on tap0, the rest into lisp0 or dropped there as too big.
    assert drop_deltas(before, after, "hv1", "tap0") == {"hairpin": fate_a["hairpin"]}
    legit_out = after["vm1_ip_out"] - before["vm1_ip_out"]   # VM1's pings and TCP ACKs.
    assert delta(before, after, "hv1", "lisp0", "tx", "packets") == legit_out + fate_a["lisp"]

    # Set B at hv1's receiver: each datagram decapsulated or dropped under its reason.
    fate_b = collections.Counter(lisp_fate(p) for p in b)
    fate_b = {k: v * reps["b"] for k, v in fate_b.items()}
    legit_in = delta(before, after, "hv2", "lisp0", "tx", "packets")
    # Each datagram reaches the receiver, through the kernel's socket or taken by the switch on
    # its way to br0 (the direct path in), and is decapsulated or dropped under its reason.
    want = {k: v for k, v in fate_b.items() if k != "decap"}
    want["mtu"] = fate_a["mtu"]          # Counted on the port that could not take them.
    assert drop_deltas(before, after, "hv1", "lisp0") == want
    decap = delta(before, after, "hv1", "lisp0", "rx", "packets")
    assert decap == legit_in + fate_b["decap"]
    # Decapsulated packets go to VM1 (priority 3), and so do the ICMP answers for set A's mtu.
    # The TCP stream's segments came in UDP GSO frames and were joined back into large packets:
    # the flow and tap0 count those, fewer than the datagrams lisp0 counted.
    flow = after["hv1_decap_flow"] - before["hv1_decap_flow"]
    assert fate_b["decap"] < flow < decap
    assert delta(before, after, "hv1", "tap0", "tx", "packets") == flow + fate_a["mtu"]
    # The underlay: every frame hv2 sent went to LOCAL.
    assert delta(before, after, "hv1", "br0", "tx", "packets") == \
        delta(before, after, "hv1", "eth0", "rx", "packets")
    assert drop_deltas(before, after, "hv1", "eth0") == {}
    # Across the tunnel: hv2 accounts for each packet hv1's lisp0 sent.
    # (Only receive-side reasons: hv2's own sends may meet its path MTU, VM2 being TCP's sender.)
    hv2_drops = {k: v for k, v in drop_deltas(before, after, "hv2", "lisp0").items()
                 if k.startswith("lisp_")}
    assert delta(before, after, "hv2", "lisp0", "rx", "packets") + sum(hv2_drops.values()) == \
        delta(before, after, "hv1", "lisp0", "tx", "packets")

    # Phase 2: set C on the underlay while VM1 pings VM2.
    mid = quiet_snapshot(t)
    ping = lab.popen(lsnet.Vm.ping_argv(t.vm2.addr, count=100, interval=0.03), ns=t.vm1.ns)
    blast = lab.popen([lsnet.PYTHON, BLAST, "l2", "eth0", tmp_path / "c", *PACE], ns=t.hv2.ns)
    result_c = json.loads(blast.communicate(timeout=60)[0])
    ping_out, _ = ping.communicate(timeout=30)
    end = quiet_snapshot(t)
    assert result_c["sent"] == n_c, result_c
    assert lsnet.parse_ping(ping_out) == (100, 100), ping_out
    # The switch forwarded every frame to LOCAL...
    assert delta(mid, end, "hv1", "eth0", "rx", "packets") == \
        end["hv2_eth0_tx"] - mid["hv2_eth0_tx"]
    assert delta(mid, end, "hv1", "br0", "tx", "packets") == \
        delta(mid, end, "hv1", "eth0", "rx", "packets")
    # ...and the LISP receiver accounted for each datagram that passed the kernel's checks (or
    # the same checks where the switch takes datagrams for the host itself): the ping's replies
    # decapsulated, the crafted ones dropped (KK=11, or too short once a lying UDP length cut
    # them); the rest (bad lengths, checksums, fragments...) never reached it.
    legit_in_c = delta(mid, end, "hv2", "lisp0", "tx", "packets")
    drops_c = drop_deltas(mid, end, "hv1", "lisp0")
    assert set(drops_c) <= {"lisp_encrypted", "lisp_short"}, drops_c
    assert delta(mid, end, "hv1", "lisp0", "rx", "packets") == legit_in_c
    assert 0 < sum(drops_c.values()) < n_c

    for hv in (t.hv1, t.hv2):
        assert hv.d.running()
        grown = lsnet.rss_kib(hv.d.pid) - rss0[hv]
        assert grown < RSS_BOUND_KIB * (8 if lsnet.sanitized(hv.d.pid) else 1), f"{hv.label}: RSS grew {grown} KiB"
    fate_c = dict(drops_c, kernel=n_c - sum(drops_c.values()))
    print(f"hostile: A {n_a} {fate_a}, B {n_b} {fate_b}, C {n_c} {fate_c}, "
          f"hv2 lisp0 drops {hv2_drops}, RSS growth {[lsnet.rss_kib(hv.d.pid) - rss0[hv] for hv in (t.hv1, t.hv2)]} KiB")
