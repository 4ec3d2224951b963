"""
The LISP control plane end to end (RFC 9301): hypervisors whose flows set no tunnel destination
learn where each EID prefix lives from a map-server, register their own, probe the locators they
use, and refuse what they cannot authenticate or did not ask for. The topology is
lsnet.mapped_lisp (drawn there), with short timers:

    [vmI] 10.1.I.1/24 == tap0 (1) br0 (hvI) eth0 (2) ==== pI [ul: bridge sw] p0 ==== eth0 [ms]
                         lisp0 (3)  br0: 192.168.0.I (RLOC), 10.1.I.254           192.168.0.100
                                                          p9 ==== eth0 [rogue] 192.168.0.66

"rogue" (made by the tests that need it) is a host on the underlay that sends control messages
built by hand from docs/LISP-PROTOCOL.md section 3 (the builders are checked against its test
vectors 4 and 5 first), or stands in for a map-resolver that never answers.
"""
import hashlib
import hmac
import os
import random
import socket
import stat
import struct
import time

import pytest
from scapy.layers.inet import IP, UDP
from scapy.utils import rdpcap

import lsnet

CONTROL_PORT = 4342
PROBE_S = 1        # rloc_probe_interval
REGISTER_S = 2     # map_register_interval
ROGUE = "192.168.0.66"


# --- Control messages, by hand (docs/LISP-PROTOCOL.md section 3) ---------------------------------

LCAF_AFI = 16387
LOC_L, LOC_P, LOC_R = 4, 2, 1       # Locator flags: local, probed, reachable.
ALG_SHA1, ALG_SHA256 = 1, 2
AUTH_DIGESTS = {ALG_SHA1: hashlib.sha1, ALG_SHA256: hashlib.sha256}
AUTH_OFFSET = 16                    # Of the authentication data in a Map-Register/Notify.


def eid_record(eid, locators, ttl=1440, iid=0, authoritative=True, act=0):
    """An EID record (section 3.1): IPv4 prefix 'eid' ("A/LEN") inside an Instance ID LCAF, then
    each locator (rloc, priority, weight, flags) with M priority 255."""
    addr, plen = eid.split("/")
    out = struct.pack("!IBBHH", ttl, len(locators), int(plen),
                      act << 13 | (0x1000 if authoritative else 0), 0)
    out += struct.pack("!HBBBBHIH", LCAF_AFI, 0, 0, 2, 0, 10, iid, 1) + socket.inet_aton(addr)
    for rloc, prio, weight, flags in locators:
        out += struct.pack("!BBBBHH", prio, weight, 255, 0, flags, 1) + socket.inet_aton(rloc)
    return out


def map_register(nonce, records, alg=ALG_SHA256, key=None, auth_len=None, want_notify=True,
                 key_id=0, msg_type=3):
    """A Map-Register (or, 'msg_type' 4, a Map-Notify) signed with 'key' (None: the
    authentication data stays zero). 'auth_len' defaults to the algorithm's full digest."""
    if auth_len is None:
        auth_len = AUTH_DIGESTS[alg]().digest_size if alg in AUTH_DIGESTS else 0
    hdr = struct.pack("!BBBB", msg_type << 4, 0, 1 if want_notify and msg_type == 3 else 0,
                      len(records))
    msg = bytearray(hdr + struct.pack("!QBBH", nonce, key_id, alg, auth_len) + bytes(auth_len) +
                    b"".join(records))
    if key is not None:
        digest = hmac.new(key.encode(), bytes(msg), AUTH_DIGESTS[alg]).digest()
        msg[AUTH_OFFSET:AUTH_OFFSET + auth_len] = digest[:auth_len]
    return bytes(msg)


def map_reply(nonce, records, probe=False):
    """A Map-Reply (section 3.3) carrying 'records'."""
    return struct.pack("!BBBBQ", 0x20 | (0x08 if probe else 0), 0, 0, len(records), nonce) + \
        b"".join(records)


def test_message_builders_match_the_protocol_vectors():
    """The builders above give docs/LISP-PROTOCOL.md's vector 4 (a Map-Register) byte for byte,
    its HMAC-SHA-256 with secret "secret", and vector 5's (its Map-Notify): so the crafted
    messages below differ from good ones only where a test means them to."""
    rec = eid_record("10.0.0.0/24", [("192.0.2.1", 1, 100, LOC_L | LOC_R)], iid=42)
    zeroed = map_register(0x0123456789abcdef, [rec])
    assert zeroed.hex() == ("30000101" "0123456789abcdef" "00020020" + "00" * 32 +
                            "000005a0" "01181000" "00004003" "00000200" "000a0000" "002a0001"
                            "0a000000" "0164ff00" "00050001" "c0000201")
    signed = map_register(0x0123456789abcdef, [rec], key="secret")
    assert signed[AUTH_OFFSET:AUTH_OFFSET + 32].hex() == \
        "100cde7ba0d8201fb99afa1b15e08eab4fd18c3c3fd1970346ea2a4abaa61fdc"
    notify = map_register(0x0123456789abcdef, [rec], key="secret", msg_type=4)
    assert notify[:4].hex() == "40000001"
    assert notify[AUTH_OFFSET:AUTH_OFFSET + 32].hex() == \
        "9e89ab97e5a6ec41e271c7b0f7a41ba110fb8e23c75af5c647a7ce4397ccf34d"


# --- Helpers ---------------------------------------------------------------------------------------

def build(lab, n=3, probe=PROBE_S, register=REGISTER_S):
    return lsnet.mapped_lisp(lab, n, probe=probe, register=register)


def cache(hv):
    """lisp/map-cache-show of hv's lisp0 (JSON)."""
    return hv.d.ctl_json("lisp/map-cache-show", "lisp0")[0]


def entries(hv):
    """hv's map-cache entries by EID prefix."""
    return {e["eid"]: e for e in cache(hv)["entries"]}


def counters(hv):
    return cache(hv)["counters"]


def ms_show(hv):
    return hv.d.ctl_json("lisp/ms-show")


def control(hv):
    """The control endpoint's counters of hv's daemon (global per daemon: in lisp/ms-show)."""
    return ms_show(hv)["control"]


def registrations(ms):
    """{site: [(eid, etr, [locator rlocs])]} from the map-server."""
    return {s["name"]: sorted((g["eid"], g["etr"], [l["rloc"] for l in g["locators"]])
                              for g in s["registrations"]) for s in ms_show(ms)["sites"]}


def delta(after, before):
    return {k: after[k] - before[k] for k in after if after[k] != before[k]}


def underlay_host(lab, t, role, addr, port="p9"):
    """One more namespace on the underlay bridge, its eth0 at 'addr'/24."""
    ns = lab.netns(role)
    lsnet.veth(ns, "eth0", t.ul, port)
    t.ul.ip("link", "set", port, "master", "sw")
    t.ul.ip("link", "set", port, "up")
    ns.ip("addr", "add", f"{addr}/24", "dev", "eth0")
    ns.ip("link", "set", "eth0", "up")
    return ns


def send_control(ns, dst, messages):
    """Sends each of 'messages' (bytes) from namespace 'ns' to UDP 4342 at 'dst', from 4342."""
    lsnet.send_udp(ns, dst, messages, sport=CONTROL_PORT, dport=CONTROL_PORT)


_UDP_SEND = """
import socket, sys, time
dst, n, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(n):
    s.sendto(b"datagram %d" % i, (dst, 9))
    if gap:
        time.sleep(gap)
"""


def udp_send(vm, dst, count, gap=0.0):
    """'count' UDP datagrams from the VM to 'dst' port 9, 'gap' seconds apart."""
    vm.ns.run(lsnet.PYTHON, "-c", _UDP_SEND, dst, count, gap, timeout=count * gap + 10)


def ping_ok(vm, dst, count=2):
    sent, received, out = vm.ping(dst, count=count, interval=0.2)
    assert (sent, received) == (count, count), f"{vm.name} ping {dst}: {out}"


def read_address(msg, off):
    """(address or None, next offset) of the AFI-encoded address at 'off' in 'msg': AFI 0
    (none), 1 (IPv4) or an Instance ID LCAF around an IPv4 address."""
    afi = struct.unpack("!H", msg[off:off + 2])[0]
    if afi == 0:
        return None, off + 2
    if afi == 1:
        return socket.inet_ntoa(msg[off + 2:off + 6]), off + 6
    assert afi == LCAF_AFI and msg[off + 4] == 2, msg[off:].hex()
    length = struct.unpack("!H", msg[off + 6:off + 8])[0]
    inner, _ = read_address(msg, off + 12)
    return inner, off + 8 + length


def ecm_request(payload):
    """(nonce, EID, prefix length, ITR-RLOC) of the Map-Request inside ECM 'payload' (an IPv4
    inner header, one ITR-RLOC, one record)."""
    assert payload[0] >> 4 == 8, payload.hex()
    req = bytes(IP(payload[4:])[UDP].payload)
    assert req[0] >> 4 == 1 and req[2] & 0x1f == 0 and req[3] == 1, req.hex()
    nonce = struct.unpack("!Q", req[4:12])[0]
    _, off = read_address(req, 12)               # The source EID.
    itr, off = read_address(req, off)
    eid, _ = read_address(req, off + 2)
    return nonce, eid, req[off + 1], itr


# --- 1. Learning from the map-server ----------------------------------------------------------------

def test_three_hypervisors_learn_each_other(lab):
    """
    No flow sets a tunnel destination: every VM pings every other VM (each echo answered), each
    hypervisor asks exactly once per remote VM and learns exactly the two other prefixes from
    Map-Replies (locator: that hypervisor's RLOC, priority 1, weight 100, up), and the map-server
    holds one registration per site, from its hypervisor's RLOC. Nothing is dropped.
    """
    t = build(lab)
    for i, vm in enumerate(t.vms):
        for j, other in enumerate(t.vms):
            if i != j:
                ping_ok(vm, other.addr)

    for i, hv in enumerate(t.hvs, 1):
        c = cache(hv)
        others = [k for k in (1, 2, 3) if k != i]
        assert c["map_resolver"] == lsnet.MS_ADDR
        assert c["eid_prefixes"] == [f"[0]10.1.{i}.0/24"]
        assert [s["address"] for s in c["map_servers"]] == [lsnet.MS_ADDR]
        assert c["map_servers"][0]["registered_s_ago"] is not None
        assert c["map_servers"][0]["registered_s_ago"] <= REGISTER_S + 1
        got = {e["eid"]: (e["source"], e["action"],
                          [(l["rloc"], l["priority"], l["weight"], l["up"])
                           for l in e["locators"]]) for e in c["entries"]}
        assert got == {f"[0]10.1.{k}.0/24": ("map-reply", None, [(f"192.168.0.{k}", 1, 100, True)])
                       for k in others}, hv.label
        for e in c["entries"]:
            assert 86400 - 60 <= e["expires_s"] <= 86400   # TTL 1440 minutes.
            # 2 echo requests and 2 echo replies to that VM, 84 bytes each (inner IP).
            assert (e["packets"], e["bytes"]) == (4, 336), e
        n = c["counters"]
        assert (n["map_requests"], n["map_replies"], n["negative_replies"]) == (2, 2, 0), n
        assert (n["request_timeouts"], n["queue_drops"], n["notify_auth_failures"]) == (0, 0, 0)
        assert n["registers"] >= n["notifies"] >= 1, n
        assert n["requests_answered"] >= 2, n
        assert hv.drops() == {}, hv.label

    ms = ms_show(t.ms)
    assert registrations(t.ms) == {
        f"hv{i}": [(f"[0]10.1.{i}.0/24", f"192.168.0.{i}", [f"192.168.0.{i}"])] for i in (1, 2, 3)}
    for site in ms["sites"]:
        (g,) = site["registrations"]
        assert g["proxy_reply"] is False
        assert [(l["priority"], l["weight"]) for l in g["locators"]] == [(1, 100)]
        assert 170 <= g["expires_s"] <= 180     # Three minutes from the last register.
    m = ms["counters"]
    # Six Map-Requests (each hypervisor for the two others), each forwarded to its ETR.
    assert (m["requests"], m["forwarded"], m["negative_replies"], m["proxy_replies"]) == \
        (6, 6, 0, 0), m
    assert (m["auth_failures"], m["foreign_prefixes"], m["malformed"]) == (0, 0, 0), m
    assert m["notifies"] == m["registers"] >= 3, m


def test_ipv6_eids_learnt_over_ipv4_rlocs(lab):
    """
    The same with IPv6 EIDs (fd00:I::/64, neighbour discovery kept local): every VM reaches every
    other, and each hypervisor learns exactly the two other IPv6 prefixes with their RLOCs.
    """
    t = lsnet.mapped_lisp(lab, 3, probe=PROBE_S, register=REGISTER_S, eid=6)
    for i, vm in enumerate(t.vms):
        for j, other in enumerate(t.vms):
            if i != j:
                ping_ok(vm, other.addr)
    for i, hv in enumerate(t.hvs, 1):
        c = cache(hv)
        assert c["eid_prefixes"] == [f"[0]fd00:{i}::/64"]
        got = {e["eid"]: [l["rloc"] for l in e["locators"]] for e in c["entries"]}
        assert got == {f"[0]fd00:{k}::/64": [f"192.168.0.{k}"] for k in (1, 2, 3) if k != i}
        assert (c["counters"]["map_requests"], c["counters"]["map_replies"]) == (2, 2)
        assert hv.drops() == {}, hv.label


# --- 2. The map-server restarts ----------------------------------------------------------------------

def test_map_server_restart(lab):
    """
    VM1 and VM2 talk; the map-server daemon stops (cleanly) and starts again from its saved
    configuration (the sites, not the registrations). The hypervisors notice the unacknowledged
    registers, register again within a few register intervals, and then a pair that never
    talked (VM1 and VM3) and a mapping hv1 forgot (lisp/map-cache-del) are resolved through the
    restarted map-server: exactly those three Map-Requests reach it, each forwarded.
    """
    t = build(lab)
    hv1, hv3 = t.hvs[0], t.hvs[2]
    ping_ok(t.vms[0], t.vms[1].addr)
    assert set(entries(hv1)) == {"[0]10.1.2.0/24"}

    assert t.ms.d.stop() == 0
    assert lsnet.wait_until(lambda: "map-server 0 did not acknowledge the last Map-Register"
                            in hv1.d.log.read_text(), timeout=3 * REGISTER_S + 2), \
        hv1.d.log_tail()
    t.ms.d.start()
    sites = ms_show(t.ms)["sites"]
    assert [(s["name"], s["eid_prefixes"]) for s in sites] == \
        [(f"hv{i}", [f"[0]10.1.{i}.0/24"]) for i in (1, 2, 3)]
    assert lsnet.wait_until(lambda: lsnet.ms_registered(t.ms.d) == {"hv1", "hv2", "hv3"},
                            timeout=2 * REGISTER_S + 2, interval=0.1), registrations(t.ms)
    assert registrations(t.ms) == {
        f"hv{i}": [(f"[0]10.1.{i}.0/24", f"192.168.0.{i}", [f"192.168.0.{i}"])] for i in (1, 2, 3)}

    before1, before3 = counters(hv1), counters(hv3)
    ping_ok(t.vms[0], t.vms[2].addr)
    assert delta(counters(hv1), before1).get("map_requests") == 1
    assert delta(counters(hv3), before3).get("map_requests") == 1
    assert entries(hv1)["[0]10.1.3.0/24"]["locators"][0]["rloc"] == "192.168.0.3"

    hv1.ctl("lisp/map-cache-del", "lisp0", "10.1.2.0/24")
    assert set(entries(hv1)) == {"[0]10.1.3.0/24"}
    before1 = counters(hv1)
    ping_ok(t.vms[0], t.vms[1].addr)
    assert delta(counters(hv1), before1).get("map_requests") == 1
    assert entries(hv1)["[0]10.1.2.0/24"]["locators"][0]["rloc"] == "192.168.0.2"
    m = ms_show(t.ms)["counters"]
    assert (m["requests"], m["forwarded"], m["negative_replies"]) == (3, 3, 0), m


# --- 3. RLOC probing moves traffic off a dead locator ------------------------------------------

def outer_dsts(path):
    """{inner source: outer destination} of the LISP data packets in capture 'path'."""
    rows = lsnet.tshark_fields(path, ["ip.src", "ip.dst"], ["-Y", "lisp-data"])
    res = {}
    for src, dst in rows:
        inner_src, outer_dst = src.split(",")[1], dst.split(",")[0]
        res.setdefault(inner_src, set()).add(outer_dst)
    return res


def ping_from(vm, sources, dst, count=1):
    for src in sources:
        r = vm.ns.run("ping", "-n", "-q", "-c", count, "-i", "0.2", "-W", "1", "-I", src, dst,
                      check=False, timeout=count * 0.2 + 6)
        assert lsnet.parse_ping(r.stdout) == (count, count), f"from {src}: {r.stdout}"


TO_HV2 = "udp dst port 4341 and src host 192.168.0.1"


def test_rloc_failover(lab, tmp_path):
    """
    hv1 has a static mapping for 10.1.2.0/24 with two locators of equal priority and weight,
    192.168.0.2 and 192.168.0.22 (both hv2's br0), so flows split between them by hash: VM1
    pings VM2 from eight source addresses and the underlay shows both locators in use. When
    192.168.0.22 goes away, RLOC probing (every second) marks it down within a few seconds, and
    the flows that used it move to 192.168.0.2: every echo is answered. When the address comes
    back, the locator is up again and carries its flows again.
    """
    t = build(lab, 2)
    hv1, hv2 = t.hvs
    vm1, vm2 = t.vms
    alt = "192.168.0.22"
    hv2.add_address("br0", f"{alt}/24")
    hv1.ctl("lisp/map-cache-add", "lisp0", "10.1.2.0/24", "192.168.0.2", alt)
    sources = [f"10.1.1.{k}" for k in range(2, 10)]
    for src in sources:
        vm1.ns.ip("addr", "add", f"{src}/24", "dev", "eth0")

    def locators():
        e = entries(hv1)["[0]10.1.2.0/24"]
        assert (e["source"], e["expires_s"]) == ("static", None)
        return {l["rloc"]: l["up"] for l in e["locators"]}

    assert locators() == {"192.168.0.2": True, alt: True}
    cap = lsnet.Capture(lab, t.ul, "p2", tmp_path / "split.pcap", len(sources),
                        bpf=TO_HV2)
    ping_from(vm1, sources, vm2.addr)
    split = outer_dsts(cap.stop())
    assert set(split) == set(sources) and all(len(d) == 1 for d in split.values()), split
    on_alt = [s for s in sources if split[s] == {alt}]
    assert 0 < len(on_alt) < len(sources), split      # Both locators carry flows.

    down0 = counters(hv1)["locators_down"]
    hv2.sh("ip", "addr", "del", f"{alt}/24", "dev", "br0")
    assert lsnet.wait_until(lambda: locators() == {"192.168.0.2": True, alt: False},
                            timeout=3 * PROBE_S + 2, interval=0.1), locators()
    assert counters(hv1)["locators_down"] == down0 + 1
    cap = lsnet.Capture(lab, t.ul, "p2", tmp_path / "failover.pcap", 3 * len(on_alt),
                        bpf=TO_HV2)
    ping_from(vm1, on_alt, vm2.addr, count=3)
    assert outer_dsts(cap.stop()) == {s: {"192.168.0.2"} for s in on_alt}
    assert "map_no_rloc" not in hv1.drops()

    replies0 = counters(hv1)["probe_replies"]
    hv2.add_address("br0", f"{alt}/24")
    assert lsnet.wait_until(lambda: locators() == {"192.168.0.2": True, alt: True},
                            timeout=3 * PROBE_S + 2, interval=0.1), locators()
    assert counters(hv1)["probe_replies"] > replies0
    assert counters(hv1)["locators_down"] == down0 + 1
    cap = lsnet.Capture(lab, t.ul, "p2", tmp_path / "back.pcap", len(on_alt),
                        bpf=TO_HV2)
    ping_from(vm1, on_alt, vm2.addr)
    assert outer_dsts(cap.stop()) == {s: {alt} for s in on_alt}


# --- 4. Map-Registers that do not authenticate ------------------------------------------------------

def test_wrong_key_is_refused(lab):
    """
    hv3's lisp0 gets a wrong map_server_key (the map-server's site hv3 is made again, so it
    holds no earlier registration): its registers, repeated while unacknowledged, are each
    counted as an authentication failure; site hv3 stays unregistered, hv3 never sees a
    Map-Notify, and its map-cache-show says it is not registered. Asked for VM3's address, the
    map-server answers negatively (site without registration: TTL 1 minute).
    """
    t = build(lab)
    hv1, hv3 = t.hvs[0], t.hvs[2]
    hv3.ctl("set", "Interface", "lisp0", "options:map_server_key=not-the-key")
    # The site replaced in one transaction (a change, so its registrations go with it): no
    # moment without the site, when a register would be refused as foreign instead.
    t.ms.ctl("lisp/ms-del-site", "hv3", "--", "lisp/ms-add-site", "hv3", lsnet.site_key(3),
             "10.1.3.0/24", "10.1.33.0/24")
    # lisp0 was made again with the new key, its counters from zero: every register it sent
    # since is one the map-server refused (nobody else fails).
    assert lsnet.wait_until(lambda: counters(hv3)["registers"] >= 2,
                            timeout=3 * REGISTER_S + 2, interval=0.1), counters(hv3)
    time.sleep(0.3)   # The last register's way to the map-server.
    m = ms_show(t.ms)["counters"]
    assert m["auth_failures"] == counters(hv3)["registers"], (m, counters(hv3))
    assert (m["foreign_prefixes"], m["malformed"]) == (0, 0)
    assert registrations(t.ms)["hv3"] == []
    c = cache(hv3)
    assert c["map_servers"] == [{"address": lsnet.MS_ADDR, "registered_s_ago": None}]
    assert (c["counters"]["notifies"], c["counters"]["notify_auth_failures"]) == (0, 0)

    sent, received, _ = t.vms[0].ping(t.vms[2].addr, count=1, wait=1)
    assert (sent, received) == (1, 0)
    e = entries(hv1)["[0]10.1.3.0/24"]
    assert (e["locators"], e["action"]) == ([], "natively-forward")
    assert 50 <= e["expires_s"] <= 60
    assert hv1.drops() == {"map_negative": 1}


def test_crafted_registers_are_refused(lab):
    """
    A host on the underlay (192.168.0.66) sends the map-server Map-Registers for site hv1's
    prefix naming itself as the locator: without authentication (algorithm 0), with an
    HMAC-SHA-256 or HMAC-SHA-1 of the wrong key, and with a good HMAC over a message changed
    after signing. Each is refused and counted once as an authentication failure (not as
    malformed or foreign: the layout is right), no Map-Notify goes out and the registrations
    stay what they were. The same message signed with the site's key is taken: the builder is
    right, only the authentication made the difference.
    """
    t = build(lab, 2)
    rogue = underlay_host(lab, t, "rogue", ROGUE)
    rec = eid_record("10.1.1.0/24", [(ROGUE, 1, 100, LOC_L | LOC_R)])
    good = map_register(random.getrandbits(64), [rec], key=lsnet.site_key(1))
    tampered = bytearray(good)
    tampered[-1] ^= 0x01                           # The locator, after signing.
    bad = [
        map_register(random.getrandbits(64), [rec], alg=0, auth_len=0),
        map_register(random.getrandbits(64), [rec], key="not-the-key"),
        map_register(random.getrandbits(64), [rec], alg=ALG_SHA1, key="not-the-key"),
        bytes(tampered),
    ]
    before = registrations(t.ms)
    m0 = ms_show(t.ms)["counters"]
    send_control(rogue, lsnet.MS_ADDR, bad)
    assert lsnet.wait_until(lambda: ms_show(t.ms)["counters"]["auth_failures"] -
                            m0["auth_failures"] == len(bad), timeout=3), ms_show(t.ms)["counters"]
    time.sleep(0.2)
    m = ms_show(t.ms)["counters"]
    assert m["auth_failures"] - m0["auth_failures"] == len(bad)
    assert (m["malformed"], m["foreign_prefixes"]) == (m0["malformed"], m0["foreign_prefixes"])
    # Only the hypervisors' own periodic registers were acknowledged.
    assert m["notifies"] - m0["notifies"] == m["registers"] - m0["registers"]
    assert registrations(t.ms) == before == {
        "hv1": [("[0]10.1.1.0/24", "192.168.0.1", ["192.168.0.1"])],
        "hv2": [("[0]10.1.2.0/24", "192.168.0.2", ["192.168.0.2"])]}

    send_control(rogue, lsnet.MS_ADDR, [good])
    assert lsnet.wait_until(lambda: len(registrations(t.ms)["hv1"]) == 2, timeout=3)
    assert registrations(t.ms)["hv1"] == [("[0]10.1.1.0/24", "192.168.0.1", ["192.168.0.1"]),
                                          ("[0]10.1.1.0/24", ROGUE, [ROGUE])]
    assert ms_show(t.ms)["counters"]["auth_failures"] == m["auth_failures"]


# --- 5. Map-Replies nobody asked for ------------------------------------------------------------

def test_forged_map_reply_is_ignored(lab, tmp_path):
    """
    hv1's map-resolver is the rogue host, which captures hv1's ECM Map-Request for 10.1.9.5 (a
    VM1 datagram waits for it) and answers nothing itself at first. A Map-Reply claiming
    10.1.9.0/24 -> 192.168.0.99 with a random nonce, and a probe reply with another, are dropped
    and counted as unclaimed: no map-cache entry, the request still outstanding, the datagram
    still queued. The same Map-Reply with the request's nonce is taken.
    """
    t = build(lab, 2)
    hv1 = t.hvs[0]
    rogue = underlay_host(lab, t, "rogue", ROGUE)
    hv1.ctl("set", "Interface", "lisp0", f"options:map_resolver={ROGUE}",
            "options:map_request_interval=30")
    cap = lsnet.Capture(lab, rogue, "eth0", tmp_path / "ecm.pcap", 1,
                        bpf=f"udp dst port {CONTROL_PORT}")
    udp_send(t.vms[0], "10.1.9.5", 1)
    pkts = rdpcap(str(cap.stop(timeout=5)))
    assert len(pkts) == 1
    nonce, eid, plen, itr = ecm_request(bytes(pkts[0][UDP].payload))
    assert (eid, plen, itr) == ("10.1.9.5", 32, "192.168.0.1")
    assert (cache(hv1)["asking"], cache(hv1)["queued"]) == (1, 1)

    rec = eid_record("10.1.9.0/24", [("192.168.0.99", 1, 100, LOC_L | LOC_R)])
    wrong = random.getrandbits(64)
    while wrong == nonce:
        wrong = random.getrandbits(64)
    probe_rec = eid_record("10.1.9.0/24", [("192.168.0.99", 1, 100, LOC_L | LOC_P | LOC_R)])
    c0, n0 = control(hv1), counters(hv1)
    send_control(rogue, "192.168.0.1", [map_reply(wrong, [rec]),
                                          map_reply(wrong ^ 1, [probe_rec], probe=True)])
    assert lsnet.wait_until(lambda: control(hv1)["unclaimed"] - c0["unclaimed"] == 2,
                            timeout=3), control(hv1)
    c = cache(hv1)
    assert "[0]10.1.9.0/24" not in {e["eid"] for e in c["entries"]}
    assert (c["asking"], c["queued"]) == (1, 1)
    took = ("map_requests", "map_replies", "negative_replies", "probe_replies")
    assert {k: c["counters"][k] for k in took} == {k: n0[k] for k in took}
    assert control(hv1)["malformed"] == c0["malformed"]

    send_control(rogue, "192.168.0.1", [map_reply(nonce, [rec])])
    assert lsnet.wait_until(lambda: "[0]10.1.9.0/24" in entries(hv1), timeout=3)
    e = entries(hv1)["[0]10.1.9.0/24"]
    assert [(l["rloc"], l["priority"], l["weight"]) for l in e["locators"]] == \
        [("192.168.0.99", 1, 100)]
    assert delta(counters(hv1), n0).get("map_replies") == 1
    assert (cache(hv1)["asking"], cache(hv1)["queued"]) == (0, 0)
    assert control(hv1)["unclaimed"] - c0["unclaimed"] == 2


# --- 6. Map-Request storms ---------------------------------------------------------------------------

def lisp0_drops(hv):
    return {k: v for k, v in hv.drops().items() if k.startswith("map_")}


def dump_drops(hv):
    return {r["reason"]: r["packets"] for r in hv.d.ctl_json("dump-drops", "br0")}


def test_storm_to_unregistered_site(lab):
    """
    The map-server has a site hv7 (10.1.7.0/24) that no xTR registers. VM1 sends 200 datagrams
    to 10.1.7.5 in about a second: hv1 sends exactly one Map-Request, the map-server answers it
    negatively for the site's prefix (TTL 1 minute, natively-forward), and every datagram is
    dropped, counted as map_queue_full (those beyond the 8 queued while asking) or map_negative.
    Datagrams that missed while the request was out are counted as rate_limited. 50 more a
    second later meet the negative entry: dropped, no new Map-Request.
    """
    t = build(lab, 2)
    hv1 = t.hvs[0]
    t.ms.ctl("lisp/ms-add-site", "hv7", "key-of-hv7", "10.1.7.0/24")
    ping_ok(t.vms[0], t.vms[1].addr)            # VM1 knows its router's MAC.
    n0, m0, flow0 = counters(hv1), ms_show(t.ms)["counters"], hv1.flow_count("priority=1,")
    assert hv1.drops() == {}

    udp_send(t.vms[0], "10.1.7.5", 200, gap=0.005)
    assert lsnet.wait_until(lambda: sum(lisp0_drops(hv1).values()) == 200, timeout=3), \
        hv1.drops()
    assert hv1.flow_count("priority=1,") - flow0 == 200
    n = delta(counters(hv1), n0)
    assert (n.get("map_requests"), n.get("map_replies"), n.get("negative_replies")) == \
        (1, 1, 1), n
    m = delta(ms_show(t.ms)["counters"], m0)
    assert (m.get("requests"), m.get("negative_replies"), m.get("forwarded")) == (1, 1, None), m
    drops = lisp0_drops(hv1)
    queued, full = n.get("queued", 0), drops.get("map_queue_full", 0)
    assert 1 <= queued <= 8 and (full == 0 or queued == 8), (n, drops)
    assert n.get("rate_limited", 0) == queued + full - 1, (n, drops)
    assert n.get("queue_drops", 0) == full
    assert set(drops) <= {"map_negative", "map_queue_full"}
    assert drops["map_negative"] == 200 - full
    assert {k: v for k, v in dump_drops(hv1).items() if k in drops} == drops
    e = entries(hv1)["[0]10.1.7.0/24"]
    assert (e["source"], e["locators"], e["action"]) == ("map-reply", [], "natively-forward")
    assert 55 <= e["expires_s"] <= 60

    time.sleep(1.1)                              # Past the request interval.
    udp_send(t.vms[0], "10.1.7.6", 50, gap=0.002)
    assert lsnet.wait_until(lambda: sum(lisp0_drops(hv1).values()) == 250, timeout=3), \
        hv1.drops()
    assert lisp0_drops(hv1) == {**drops, "map_negative": drops["map_negative"] + 50}
    assert counters(hv1)["map_requests"] == n0["map_requests"] + 1
    assert ms_show(t.ms)["counters"]["requests"] == m0["requests"] + 1


def test_storm_without_answers_is_rate_limited(lab, tmp_path):
    """
    hv1's map-resolver is the rogue host, which never answers. VM1 sends 200 datagrams to
    10.1.7.5 in about a second: 8 are queued, 192 dropped as map_queue_full, and all but the
    first counted as rate_limited. On the wire (the rogue's eth0) exactly three ECM
    Map-Requests for 10.1.7.5/32 arrive, each with a new nonce, the retries 1 and 2 request
    intervals later (back-off); then hv1 gives up, and the 8 queued datagrams are dropped as
    map_timeout.
    """
    t = build(lab, 2)
    hv1 = t.hvs[0]
    rogue = underlay_host(lab, t, "rogue", ROGUE)
    ping_ok(t.vms[0], t.vms[1].addr)            # VM1 knows its router's MAC.
    hv1.ctl("set", "Interface", "lisp0", f"options:map_resolver={ROGUE}")
    n0 = counters(hv1)
    cap = lsnet.Capture(lab, rogue, "eth0", tmp_path / "storm.pcap", 4,
                        bpf=f"udp dst port {CONTROL_PORT}", seconds=12)
    udp_send(t.vms[0], "10.1.7.5", 200, gap=0.005)
    assert lsnet.wait_until(lambda: sum(lisp0_drops(hv1).values()) == 192, timeout=2), \
        hv1.drops()
    n = delta(counters(hv1), n0)
    assert n.get("map_requests") in (1, 2), n   # One, and maybe the first retry, so far.
    assert (n.get("rate_limited"), n.get("queued"), n.get("queue_drops")) == (199, 8, 192), n
    assert lisp0_drops(hv1) == {"map_queue_full": 192}
    assert (cache(hv1)["asking"], cache(hv1)["queued"]) == (1, 8)

    assert lsnet.wait_until(lambda: counters(hv1)["request_timeouts"] == 1, timeout=10), \
        counters(hv1)
    n = delta(counters(hv1), n0)
    assert (n.get("map_requests"), n.get("queue_drops"), n.get("request_timeouts")) == \
        (3, 200, 1), n
    assert lisp0_drops(hv1) == {"map_queue_full": 192, "map_timeout": 8}
    assert (cache(hv1)["asking"], cache(hv1)["queued"]) == (0, 0)
    assert "[0]10.1.7.0/24" not in entries(hv1)

    pkts = rdpcap(str(cap.end()))
    reqs = [ecm_request(bytes(p[UDP].payload)) for p in pkts]
    assert [r[1:] for r in reqs] == [("10.1.7.5", 32, "192.168.0.1")] * 3, reqs
    assert len({r[0] for r in reqs}) == 3
    gaps = [float(pkts[i + 1].time - pkts[i].time) for i in range(2)]
    assert 0.95 <= gaps[0] <= 2.1 and 1.95 <= gaps[1] <= 3.1, gaps


# --- 7. On the wire ------------------------------------------------------------------------------------

WIRE_FIELDS = ["ip.src", "ip.dst", "udp.srcport", "udp.dstport", "udp.checksum.status",
               "lisp.type", "lisp.mreg.flags.wmn", "lisp.keyid", "lisp.authlen", "lisp.lcaf.iid",
               "lisp.mapping.ttl", "lisp.mapping.loccnt", "lisp.mapping.eid.masklen",
               "lisp.mapping.act", "lisp.mapping.auth", "lisp.loc.priority", "lisp.loc.weight",
               "lisp.loc.flags.local", "lisp.loc.flags.probe", "lisp.loc.flags.reach",
               "lisp.loc.locator", "lisp.irc", "lisp.mreq.itr_rloc_ipv4",
               "lisp.mreq.record.prefix.length", "lisp.lcaf.iid.ipv4",
               "lisp.mreq.flags.probe", "lisp.mrep.flags.probe", "lisp.mrep.flags.sec",
               "_ws.malformed", "_ws.expert.severity"]


def test_control_messages_decode(lab, tmp_path):
    """
    Everything hv1 sends and receives on UDP 4342 (captured on its underlay port) while VM1
    pings VM2, asks for an unregistered site's EID, probes and re-registers: tshark decodes
    every message as LISP with good UDP checksums, no malformed packet and no expert notes,
    and the fields are those of RFC 9301: Map-Register (type 3, M, HMAC-SHA-256 with its 32
    bytes, IID 0, 10.1.1.0/24 -> 192.168.0.1, TTL 1440), its Map-Notify, ECM Map-Requests for
    host EIDs with the ITR's RLOC, Map-Replies from the owner ETR (A, TTL 1440, priority 1,
    weight 100), a negative Map-Reply (no locator, natively-forward), RLOC probes and their
    replies (P, and p on the probed locator).
    """
    t = build(lab, 2)
    t.ms.ctl("lisp/ms-add-site", "hv7", "key-of-hv7", "10.1.7.0/24")
    # Checksums computed before the capture sees them, not left to (veth) offload.
    for hv in t.hvs:
        hv.sh("ethtool", "-K", "br0", "tx", "off")
    t.ms.sh("ethtool", "-K", "eth0", "tx", "off")
    cap = lsnet.Capture(lab, t.ul, "p1", tmp_path / "control.pcap", 1000,
                        bpf=f"udp port {CONTROL_PORT}", seconds=30)
    ping_ok(t.vms[0], t.vms[1].addr)
    t.vms[0].ping("10.1.7.5", count=1, wait=0.5)
    time.sleep(REGISTER_S + 0.5)                 # A register cycle and a few probe rounds.
    rows = [dict(zip(WIRE_FIELDS, r)) for r in
            lsnet.tshark_fields(cap.end(), WIRE_FIELDS, ["-o", "udp.check_checksum:TRUE"])]
    assert rows
    for r in rows:
        assert (r["_ws.malformed"], r["_ws.expert.severity"]) == ("", ""), r
        assert set(r["udp.checksum.status"].split(",")) == {"1"}, r   # ECMs: two UDP.
        assert r["lisp.type"], r
    kinds = {}
    for r in rows:
        probe = "probe" if "1" in (r["lisp.mreq.flags.probe"], r["lisp.mrep.flags.probe"]) else ""
        kinds.setdefault((r["lisp.type"], probe), []).append(r)
    assert set(kinds) == {("3", ""), ("4", ""), ("8,1", ""), ("2", ""), ("1", "probe"),
                          ("2", "probe")}, sorted(kinds)

    register = dict(zip(("lisp.mreg.flags.wmn", "lisp.keyid", "lisp.authlen", "lisp.lcaf.iid",
                         "lisp.mapping.ttl", "lisp.mapping.loccnt", "lisp.mapping.eid.masklen",
                         "lisp.mapping.auth", "lisp.loc.priority", "lisp.loc.weight",
                         "lisp.loc.flags.local", "lisp.loc.flags.reach", "lisp.loc.locator",
                         "ip.src", "ip.dst", "udp.dstport"),
                        ("1", "0x0002", "32", "0", "1440", "1", "24", "1", "1", "100", "1", "1",
                         "192.168.0.1", "192.168.0.1", lsnet.MS_ADDR, "4342")))
    for msg_type in ("3", "4"):
        for r in kinds[(msg_type, "")]:
            want = dict(register)
            if msg_type == "4":   # The answer: the same body, back to the register's port.
                del want["lisp.mreg.flags.wmn"], want["udp.dstport"]
                want.update({"ip.src": lsnet.MS_ADDR, "ip.dst": "192.168.0.1",
                             "udp.srcport": "4342"})
            assert {k: r[k] for k in want} == want, r

    # ECMs: hv1's own to the map-server, and hv2's forwarded to hv1 by the map-server. Both
    # EIDs (the source that missed, the host asked for) in instance ID LCAFs; inner UDP to 4342.
    ecms = {(r["lisp.lcaf.iid.ipv4"], r["lisp.lcaf.iid"], r["lisp.mreq.itr_rloc_ipv4"],
             r["lisp.mreq.record.prefix.length"], r["lisp.irc"], r["udp.dstport"])
            for r in kinds[("8,1", "")]}
    assert ecms == {("10.1.1.1,10.1.2.1", "0,0", "192.168.0.1", "32", "0", "4342,4342"),
                    ("10.1.1.1,10.1.7.5", "0,0", "192.168.0.1", "32", "0", "4342,4342"),
                    ("10.1.2.1,10.1.1.1", "0,0", "192.168.0.2", "32", "0", "4342,4342")}, ecms

    replies = {(r["ip.src"], r["ip.dst"], r["lisp.mapping.ttl"], r["lisp.mapping.loccnt"],
                r["lisp.mapping.eid.masklen"], r["lisp.mapping.act"], r["lisp.mapping.auth"],
                r["lisp.loc.priority"], r["lisp.loc.weight"], r["lisp.loc.flags.probe"],
                r["lisp.loc.locator"], r["lisp.mrep.flags.sec"]) for r in kinds[("2", "")]}
    assert replies == {
        ("192.168.0.2", "192.168.0.1", "1440", "1", "24", "0", "1", "1", "100", "0",
         "192.168.0.2", "0"),
        ("192.168.0.1", "192.168.0.2", "1440", "1", "24", "0", "1", "1", "100", "0",
         "192.168.0.1", "0"),
        # Negative, from the map-server: site hv7 is known but unregistered.
        (lsnet.MS_ADDR, "192.168.0.1", "1", "0", "24", "1", "0", "", "", "", "", "0"),
    }, replies

    probes = {(r["ip.src"], r["ip.dst"], r["lisp.lcaf.iid.ipv4"],
               r["lisp.mreq.record.prefix.length"], r["lisp.mreq.itr_rloc_ipv4"])
              for r in kinds[("1", "probe")]}
    assert probes == {("192.168.0.1", "192.168.0.2", "10.1.2.0", "24", "192.168.0.1"),
                      ("192.168.0.2", "192.168.0.1", "10.1.1.0", "24", "192.168.0.2")}, probes
    answers = {(r["ip.src"], r["lisp.mrep.flags.probe"], r["lisp.loc.flags.probe"],
                r["lisp.loc.flags.local"], r["lisp.loc.locator"], r["lisp.mapping.ttl"])
               for r in kinds[("2", "probe")]}
    assert answers == {("192.168.0.2", "1", "1", "1", "192.168.0.2", "1440"),
                       ("192.168.0.1", "1", "1", "1", "192.168.0.1", "1440")}, answers


# --- 8. Secrets -----------------------------------------------------------------------------------------

def test_keys_are_never_shown(lab):
    """
    The map-server keys (lisp0's map_server_key, the map-server's site keys) appear in no
    lispctl output (show, get, map-cache-show, ms-show, metrics, in text and JSON), nor in an
    error about the key, nor in the logs; they are saved (the restart test needs them) in a
    conf.json only its owner can read (mode 0600).
    """
    t = build(lab, 1)
    hv, ms = t.hvs[0], t.ms
    key = lsnet.site_key(1)
    assert hv.d.ctl("get", "Interface", "lisp0", "options:map_server_key")[1] == '"(secret)"\n'
    assert 'map_server_key="(secret)"' in hv.d.ctl("show")[1]
    outputs = []
    for d in (hv.d, ms.d):
        for args in (("show",), ("get", "Interface", "lisp0", "options"), ("lisp/map-cache-show",),
                     ("lisp/ms-show",), ("metrics",)):
            if args[0] == "get" and d is ms.d:
                continue
            for fmt in ((), ("--format=json",)):
                outputs.append((d.ctl(*fmt, *args)[1], fmt + args))
    for out, args in outputs:
        assert "key-of-hv" not in out, args
    rc, out, err = hv.d.ctl("set", "Interface", "lisp0", "options:map_server_key=" + "k" * 300,
                            check=False)
    assert (rc, out) == (1, "")
    assert err == 'lispctl: set lisp0: map_server_key "(secret)": empty or longer than 255 ' \
                  'bytes\n'
    for d in (hv.d, ms.d):
        mode = stat.S_IMODE(os.stat(d.config).st_mode)
        assert mode == 0o600, f"{d.config}: mode {mode:o}"
        assert key in d.config.read_text()
        assert "key-of-hv" not in d.log.read_text()


# --- 9. Bad input ------------------------------------------------------------------------------------

BAD_INPUT = [
    (("set", "Interface", "lisp0", "options:map_server=1.2.3.4"),
     "set lisp0: map_server: needs map_server_key"),
    (("set", "Interface", "lisp0", "options:map_server=1.2.3.4", "options:map_server_key=k"),
     "set lisp0: map_server: needs eid_prefix (what to register)"),
    (("set", "Interface", "lisp0", "options:map_resolver=192.168.0.300"),
     'set lisp0: map_resolver "192.168.0.300": not an IPv4 or IPv6 address'),
    (("set", "Interface", "lisp0", "options:eid_prefix=10.1.1.0/33"),
     'set lisp0: eid_prefix "10.1.1.0/33": not a list of 1 to 16 EID prefixes '
     '([IID]ADDRESS/LENGTH, IID < 2^24)'),
    (("set", "Interface", "lisp0", "options:eid_prefix=[16777216]10.1.1.0/24"),
     'set lisp0: eid_prefix "[16777216]10.1.1.0/24": not a list of 1 to 16 EID prefixes '
     '([IID]ADDRESS/LENGTH, IID < 2^24)'),
    (("set", "Interface", "lisp0", "options:map_server_auth=md5"),
     'set lisp0: map_server_auth "md5": not sha256 or sha1'),
    (("set", "Interface", "lisp0", "options:rloc_probe_interval=-1"),
     'set lisp0: rloc_probe_interval "-1": not 0 (off) to 86400 seconds'),
    (("lisp/ms-add-site", "b", "kb", "10.1.5.0/24"),
     "lisp/ms-add-site b: prefix [0]10.1.5.0/24 overlaps site a"),
    (("lisp/ms-add-site", "c", "kc", "10.2.0.0/16", "10.1.0.0/8"),
     "lisp/ms-add-site c: prefix [0]10.0.0.0/8 overlaps site a"),
    (("lisp/ms-add-site", "d", "kd", "10.3.0.0/99"),
     'lisp/ms-add-site d: "10.3.0.0/99": not an EID prefix ([IID]ADDRESS/LENGTH)'),
    (("lisp/ms-add-site", "a", "ka", "10.4.0.0/16"), "lisp/ms-add-site a: site already exists"),
    (("lisp/map-cache-add", "lisp0", "10.1.2.0/24", "192.168.0.300"),
     'lisp/map-cache-add lisp0: "192.168.0.300": not an RLOC address, or more than 8'),
    (("lisp/map-cache-add", "lisp0", "10.1.2.0/33", "192.168.0.3"),
     'lisp/map-cache-add lisp0: "10.1.2.0/33 192.168.0.3": not an EID prefix '
     '([IID]ADDRESS/LENGTH)'),
    (("lisp/map-cache-add", "tap0", "10.1.2.0/24", "192.168.0.3"),
     "lisp/map-cache-add tap0: not a lisp port"),
    (("lisp/map-cache-del", "lisp0", "10.1.9.0/24"), "lisp/map-cache-del lisp0: no entry for "
     "10.1.9.0/24"),
]


@pytest.fixture
def lone_hv(lab):
    """One hypervisor after README-lisp's commands (lisp0 without control plane), its eth0 to a
    namespace of its own, with one map-server site "a" (10.1.0.0/16)."""
    hv = lsnet.Hypervisor(lab, "hv1")
    hv.add_vm("vm1", "tap0", "10.1.1.1/24")
    lsnet.veth(hv.ns, "eth0", lab.netns("ul"), "p1")
    hv.start()
    hv.guide_setup()
    hv.ctl("lisp/ms-add-site", "a", "ka", "10.1.0.0/16")
    return hv


@pytest.mark.parametrize("args,message", BAD_INPUT, ids=[" ".join(a[:4]) for a, _ in BAD_INPUT])
def test_bad_input(lone_hv, args, message):
    """Each bad command fails with exit code 1 and exactly one line on stderr naming the object
    and the reason; the configuration (saved and shown) is what it was; the daemon runs on."""
    hv = lone_hv
    saved = hv.d.config.read_bytes()
    shown = [hv.d.ctl_json(*a) for a in (("show",), ("lisp/ms-show",), ("lisp/map-cache-show",))]
    rc, out, err = hv.d.ctl(*args, check=False)
    assert (rc, out, err) == (1, "", f"lispctl: {message}\n")
    assert hv.d.config.read_bytes() == saved
    after = [hv.d.ctl_json(*a) for a in (("show",), ("lisp/ms-show",), ("lisp/map-cache-show",))]
    assert after == shown
    assert hv.d.running()


# --- Registering before the uplink has an address ------------------------------------------------

def test_register_retried_soon_when_rloc_appears(lab):
    """
    lisp0 gets its map-server options (register interval 30 s) before br0 has the RLOC; the
    address comes 2.5 s later. The registration is in place within the retry delay (3 s) and
    a tick, not after the 30 s interval.
    """
    ul = lab.netns("ul")
    ul.ip("link", "add", "sw", "type", "bridge")
    ul.ip("link", "set", "sw", "up")
    ms, hv = lsnet.Hypervisor(lab, "ms"), lsnet.Hypervisor(lab, "hv1")
    for i, h in enumerate((ms, hv)):
        lsnet.veth(h.ns, "eth0", ul, f"p{i}")
        ul.ip("link", "set", f"p{i}", "master", "sw")
        ul.ip("link", "set", f"p{i}", "up")
    ms.ns.ip("addr", "add", f"{lsnet.MS_ADDR}/24", "dev", "eth0")
    ms.ns.ip("link", "set", "eth0", "up")
    ms.start()
    ms.ctl("lisp/ms-add-site", "hv1", lsnet.site_key(1), "10.1.1.0/24")
    hv.add_vm("vm1", "tap0", "10.1.1.1/24")
    hv.start()
    hv.guide_setup()
    hv.ctl("set", "Interface", "lisp0", *lsnet.mapping_options(1, probe=30, register=30))
    time.sleep(2.5)                              # At least one tick without an RLOC.
    hv.set_rloc("192.168.0.1/24")
    assert lsnet.wait_until(lambda: lsnet.ms_registered(ms.d) == {"hv1"}, timeout=6,
                            interval=0.2), cache(hv)
