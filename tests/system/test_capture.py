"""
lispctl capture: what a port receives and sends, as pcap files tshark reads, with exact packet
counts; the lisp port's inner packets and, with --outer, its encapsulated datagrams.

    [vm1] eth0 ==veth== p1 (1) --+
                                 | br0 (lispswitchd, hv)       (capture p1, p2)
    [vm2] eth0 ==veth== p2 (2) --+

and README-lisp scenario 1 (lsnet.readme_lisp) for lisp0 on hv1.
"""
import time

import pytest

import lsnet


def start_capture(lab, d, *args):
    """lispctl capture in the background; returns once the daemon has answered (so that the
    capture is live), as the Popen."""
    p = lab.popen([d.ctl_bin, f"--rundir={d.rundir}", "capture", *args], ns=d.ns)
    # The daemon logs "capture started" before it answers.
    assert lsnet.wait_until(lambda: "capture started" in d.log.read_text()
                            and d.log.read_text().count("capture started") >
                            start_capture.seen.get(d, 0)), d.log_tail()
    start_capture.seen[d] = d.log.read_text().count("capture started")
    return p


start_capture.seen = {}


def finish(p, timeout=15):
    """Waits for a background capture; returns its stderr, asserting success."""
    _, err = p.communicate(timeout=timeout)
    assert p.returncode == 0, err
    return err


def tshark(path, *fields, options=()):
    return lsnet.tshark_fields(path, list(fields), list(options))


def static_neighbours(sw):
    """No ARP: exactly the ICMP packets of the pings cross the bridge."""
    sw.vm1.neigh(sw.vm2.addr, sw.vm2.mac)
    sw.vm2.neigh(sw.vm1.addr, sw.vm1.mac)


def test_capture_count_bounds_the_file(lab, sw, tmp_path):
    static_neighbours(sw)
    pcap = tmp_path / "p1.pcap"
    p = start_capture(lab, sw.d, "p1", "-c", "5", "-w", pcap)
    sw.vm1.ping(sw.vm2.addr, count=4)
    err = finish(p)
    assert err == "5 packets captured, 0 lost (count)\n"
    rows = tshark(pcap, "icmp.type", "eth.src")
    # p1 receives requests from vm1 and sends replies to it: request, reply, request...
    assert [r[0] for r in rows] == ["8", "0", "8", "0", "8"]
    assert [r[1] for r in rows] == [sw.vm1.mac, sw.vm2.mac] * 2 + [sw.vm1.mac]


def test_capture_seconds_bounds_the_time(lab, sw, tmp_path):
    static_neighbours(sw)
    pcap = tmp_path / "p2.pcap"
    started = time.monotonic()
    p = start_capture(lab, sw.d, "p2", "--seconds", "2", "-w", pcap)
    sw.vm1.ping(sw.vm2.addr, count=3)
    err = finish(p)
    assert 1.5 < time.monotonic() - started < 6
    assert err == "6 packets captured, 0 lost (time)\n"
    assert len(tshark(pcap, "icmp.type", options=["-Y", "icmp"])) == 6


def test_capture_text_lines(lab, sw):
    static_neighbours(sw)
    p = start_capture(lab, sw.d, "p1", "-c", "2")
    sw.vm1.ping(sw.vm2.addr, count=1)
    out, err = p.communicate(timeout=15)
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert " rx 98 bytes " in lines[0] and f"IPv4 {sw.vm1.addr} > {sw.vm2.addr} proto 1" in lines[0]
    assert " tx 98 bytes " in lines[1] and f"IPv4 {sw.vm2.addr} > {sw.vm1.addr} proto 1" in lines[1]


def test_capture_errors(lab, sw):
    d = sw.d
    assert d.ctl("capture", "nope", check=False) == (1, "", "lispctl: capture nope: no such port\n")
    rc, _, err = d.ctl("capture", "p1", "--outer", check=False)
    assert (rc, err) == (1, "lispctl: capture p1: --outer: not a lisp port "
                            "(only tunnels have outer headers)\n")
    rc, _, err = d.ctl("capture", "p1", "-c", "0", check=False)
    assert (rc, err) == (1, 'lispctl: capture -c "0": not a count of packets\n')
    rc, _, err = d.ctl("capture", "p1", "--", "list-br", check=False)
    assert (rc, err) == (1, "lispctl: capture: cannot be chained with other commands\n")
    p = start_capture(lab, d, "p1", "--seconds", "10")
    rc, _, err = d.ctl("capture", "p1", check=False)
    assert (rc, err) == (1, "lispctl: capture p1: already being captured\n")
    d.ctl("del-port", "p1")
    assert finish(p) == "0 packets captured, 0 lost (port removed)\n"


def test_capture_interrupted_by_lispctl(lab, sw):
    """lispctl killed mid-capture: the daemon frees the capture; a new one may start."""
    p = start_capture(lab, sw.d, "p1")
    p.kill()
    p.wait(timeout=5)
    assert lsnet.wait_until(lambda: sw.d.ctl("capture", "p1", "--seconds", "0.1",
                                             check=False)[0] == 0)
    assert sw.d.running()


@pytest.mark.parametrize("rloc", [4, 6])
def test_capture_lisp_port_inner_and_outer(lab, tmp_path, rloc):
    t = lsnet.readme_lisp(lab, 1, eid=4, rloc=rloc)
    d = t.hv1.d
    t.vm1.ping(t.vm2.addr, count=1)          # ARP and neighbour caches settle first.
    inner = tmp_path / "inner.pcap"
    p = start_capture(lab, d, "lisp0", "-c", "4", "-w", inner)
    t.vm1.ping(t.vm2.addr, count=2)
    assert finish(p) == "4 packets captured, 0 lost (count)\n"
    rows = tshark(inner, "icmp.type", "ip.src", "ip.dst")
    assert [r[0] for r in rows] == ["8", "0", "8", "0"]
    assert rows[0][1:] == [t.vm1.addr, t.vm2.addr]

    outer = tmp_path / "outer.pcap"
    p = start_capture(lab, d, "lisp0", "-c", "4", "--outer", "-w", outer)
    t.vm1.ping(t.vm2.addr, count=2)
    assert finish(p) == "4 packets captured, 0 lost (count)\n"
    ipf = "ip" if rloc == 4 else "ipv6"
    rows = tshark(outer, f"{ipf}.src", f"{ipf}.dst", "udp.dstport", "lisp-data.flags",
                  "lisp-data.iid", "icmp.type", "udp.checksum.status",
                  options=["-o", "udp.check_checksum:TRUE"])
    r1, r2 = lsnet.plain(t.hv1.rloc), lsnet.plain(t.hv2.rloc)
    # Sent (the header the kernel writes) and received (rebuilt from the tunnel metadata).
    # Over IPv6 the outer and inner addresses share no column; over IPv4 tshark lists both.
    sent = [r for r in rows if r[0].split(",")[0] == r1]
    received = [r for r in rows if r[0].split(",")[0] == r2]
    assert len(sent) == 2 and len(received) == 2, rows
    assert all(r[2:6] == ["4341", "0x48", "0", r[5]] for r in rows)
    assert [r[5] for r in sent] == ["8", "8"] and [r[5] for r in received] == ["0", "0"]
    # The UDP checksum is zero over IPv4 and filled in (and right) over IPv6.
    assert {r[6] for r in sent} == ({"3"} if rloc == 4 else {"1"})
