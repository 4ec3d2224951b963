"""
dump-drops and metrics: the counters of the running switch, by reason and in Prometheus text
format (lispctl metrics and --metrics-listen over HTTP), parsed with prometheus_client's parser
and checked against dump-ports.

    [vm1] eth0 ==veth== p1 (1) --+
                                 | br0 (lispswitchd, hv; metrics on 127.0.0.1:9100 in hv)
    [vm2] eth0 ==veth== p2 (2) --+
"""
import json
import os
import time

import pytest

import conftest
import lsnet

FETCH = """
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], method=sys.argv[2])
try:
    r = urllib.request.urlopen(req, timeout=5)
    print(r.status, r.headers["Content-Type"]); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.headers["Content-Type"])
"""


def fetch(ns, url, method="GET"):
    """An HTTP request from inside namespace 'ns' (the server listens on its loopback only):
    (status, content type, body)."""
    out = ns.run(lsnet.PYTHON, "-c", FETCH, url, method).stdout
    head, _, body = out.partition("\n")
    status, ctype = head.split(" ", 1)
    return int(status), ctype, body


def check_against_dump_ports(d, got):
    for row in d.ctl_json("dump-ports", "br0"):
        for direction in ("rx", "tx"):
            for key in ("packets", "bytes", "dropped", "errors"):
                labels = frozenset({"bridge": "br0", "port": row["name"],
                                    "type": "internal" if row["name"] == "br0" else "system"}
                                   .items())
                assert got[(f"lispswitch_port_{direction}_{key}_total", labels)] == \
                    row[direction][key], (row["name"], direction, key)
        for reason, n in row["drops"].items():
            labels = frozenset({"bridge": "br0", "port": row["name"], "reason": reason}.items())
            assert got[("lispswitch_port_drops_total", labels)] == n


def no_flow_drops(sw):
    """Table 0 emptied: vm1's three pings (and its ARP requests) are dropped as no_flow."""
    sw.d.ctl("del-flows", "br0")
    sw.vm1.ns.ip("neigh", "replace", sw.vm2.addr, "lladdr", sw.vm2.mac, "dev", "eth0",
                 "nud", "permanent")
    sw.vm1.ping(sw.vm2.addr, count=3, wait=0.3)


def test_dump_drops(sw):
    no_flow_drops(sw)
    rows = {r["reason"]: r for r in sw.d.ctl_json("dump-drops", "br0")}
    assert rows["no_flow"]["packets"] == 3
    assert rows["no_flow"]["bridges"] == {"br0": 3}
    assert rows["no_flow"]["text"] == "no flow matched"
    assert [r for r, v in rows.items() if v["packets"] and r != "kernel_tx_dropped"] == \
        ["no_flow"]
    assert {"mac_evicted", "kernel_rx_dropped", "kernel_tx_dropped", "lisp_no_port"} <= set(rows)
    # Without a bridge: the sum over all bridges, here the one.
    assert {r["reason"]: r["packets"] for r in sw.d.ctl_json("dump-drops")} == \
        {r: v["packets"] for r, v in rows.items()}
    out = sw.d.ctl("dump-drops")[1].splitlines()
    assert out[0].split() == ["reason", "packets", "meaning"]
    assert out[3].split(None, 2) == ["no_flow", "3", "no flow matched"]
    # dump-ports agrees: the drops are on the input port.
    assert sw.d.port_stats("br0")["p1"]["drops"]["no_flow"] == 3
    rc, _, err = sw.d.ctl("dump-drops", "br9", check=False)
    assert (rc, err) == (1, "lispctl: dump-drops br9: no such bridge\n")


def test_metrics_command(sw):
    sw.vm1.ping(sw.vm2.addr, count=3)
    no_flow_drops(sw)
    got = lsnet.metric_samples(sw.d.ctl("metrics")[1])
    check_against_dump_ports(sw.d, got)
    labels = frozenset({"bridge": "br0", "port": "p1", "reason": "no_flow"}.items())
    assert got[("lispswitch_port_drops_total", labels)] == 3
    assert got[("lispswitch_mac_entries", frozenset({"bridge": "br0"}.items()))] == 2
    table0 = frozenset({"bridge": "br0", "table": "0"}.items())
    assert got[("lispswitch_table_flows", table0)] == 0
    tables = sw.d.ctl_json("dump-tables", "br0")[0]
    assert got[("lispswitch_table_lookups_total", table0)] == tables["lookups"]
    assert got[("lispswitch_table_matched_total", table0)] == tables["matched"]


def test_metrics_http(lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv, start=False)
    d.extra_args = ["--metrics-listen", "127.0.0.1:9100"]
    d.start()
    vm1 = lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
    vm2 = lab.vm(hv, "vm2", "p2", "10.0.0.2/24")
    d.ctl("add-br", "br0")
    lsnet.attach(d, "br0", vm1, vm2)
    d.ctl("add-flow", "br0", "table=1,priority=5,ip,actions=drop")
    assert vm1.ping(vm2.addr, count=3)[:2] == (3, 3)
    status, ctype, body = fetch(hv, "http://127.0.0.1:9100/metrics")
    assert (status, ctype) == (200, "text/plain; version=0.0.4; charset=utf-8")
    got = lsnet.metric_samples(body)
    check_against_dump_ports(d, got)
    flows = {f["table"]: f for f in d.ctl_json("dump-flows", "br0")}
    packets0 = sum(f["n_packets"] for f in d.ctl_json("dump-flows", "br0") if f["table"] == 0)
    assert got[("lispswitch_table_flow_packets",
                frozenset({"bridge": "br0", "table": "0"}.items()))] == packets0 > 0
    assert got[("lispswitch_table_flows",
                frozenset({"bridge": "br0", "table": "1"}.items()))] == 1 == len([flows[1]])
    assert fetch(hv, "http://127.0.0.1:9100/metrics", "HEAD")[:2] == (200, ctype)
    assert fetch(hv, "http://127.0.0.1:9100/")[0] == 404
    assert fetch(hv, "http://127.0.0.1:9100/metrics", "POST")[0] == 405


def test_metrics_listen_loopback_only(lab):
    hv = lab.netns("hv")
    hv.ip("addr", "add", "10.9.0.1/24", "dev", "lo")
    d = lab.daemon(hv, start=False)
    d.extra_args = ["--metrics-listen", "10.9.0.1:9100"]
    try:
        d.start()
        raise AssertionError("a non-loopback address was accepted")
    except lsnet.DaemonStartError as e:
        assert "--metrics-listen 10.9.0.1:9100: not a loopback address (add " \
               "--metrics-allow-remote to serve other hosts)" in str(e)
    d.extra_args.append("--metrics-allow-remote")
    d.start()
    assert fetch(hv, "http://10.9.0.1:9100/metrics")[0] == 200
    d2 = lab.daemon(hv, start=False)
    d2.extra_args = ["--metrics-listen", "[::1]:9101"]
    hv.sysctl("net.ipv6.conf.lo.disable_ipv6", 0)
    d2.start()
    assert fetch(hv, "http://[::1]:9101/metrics")[0] == 200
    json.loads(d2.ctl("--format=json", "metrics")[1])   # A JSON string.


def loop_events(d):
    got = lsnet.metric_samples(d.ctl("metrics")[1])
    return {dict(labels)["event"]: v for (name, labels), v in got.items()
            if name == "lispswitch_loop_events_total"}


PING_PONGS = 200


def pin(pid, cpu):
    """Keeps every thread of process 'pid' on CPU 'cpu'."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(tid), {cpu})


@pytest.mark.parametrize("poll_usec", [2000, 0])
def test_busy_poll(lab, poll_usec):
    """
    Pings through README-lisp's tunnel, 20 ms apart, each hypervisor's daemon on a CPU of its
    own (on one CPU the reply often reaches hv1 while hv2, which it woke, still holds the CPU:
    already there, neither a poll nor a wait). With a poll of 2 ms, longer than any answer
    takes even under ASan and a tenth of the pause between pings, polling turns on after the
    first few pings: hv1 then finds most replies by polling, and only the requests, after
    20 ms of quiet, wake it up. With --busy-poll-usec 0 nothing ever polls and every request
    is a wait; and each daemon, having forwarded a packet, goes to sleep in the system call that
    sends it (io_uring; a daemon without it says so in its log). Every ping is answered either
    way.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs: one per hypervisor's daemon")
    t = lsnet.readme_lisp(lab, 1, daemon_args=("--busy-poll-usec", str(poll_usec)))
    pin(t.hv1.d.pid, cpus[0])
    pin(t.hv2.d.pid, cpus[1])
    sent, received, out = t.vm1.ping(t.vm2.addr, count=PING_PONGS, interval=0.02, wait=2)
    assert (sent, received) == (PING_PONGS, PING_PONGS), out
    events = [loop_events(hv.d) for hv in (t.hv1, t.hv2)]
    for ev in events:
        if poll_usec:
            assert ev["poll"] >= PING_PONGS // 2 and ev["wait"] < PING_PONGS * 5 // 4, events
        else:
            assert ev["poll"] == ev["poll_caught"] == 0 and ev["wait"] >= PING_PONGS, events
            assert ev["kick_sleep"] >= PING_PONGS, (events, t.hv1.d.log_tail(20))
    if poll_usec:
        assert events[0]["poll_caught"] >= PING_PONGS // 2, events


def test_always_poll(lab):
    """
    --always-poll never sleeps: after README-lisp's pings, 20 ms apart, neither daemon has
    ever slept (no wait that returned work, no kick made with a sleep), every packet was
    found by polling, and each daemon, on a CPU of its own, spent most of the pings' time on
    that CPU. Every ping is answered, and lispctl (the metrics read here) is served while the
    loop polls. The default daemon of test_busy_poll sleeps through such gaps.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs: one per hypervisor's daemon")
    t = lsnet.readme_lisp(lab, 1, daemon_args=("--always-poll",))
    daemons = (t.hv1.d, t.hv2.d)
    for d, cpu in zip(daemons, cpus):
        pin(d.pid, cpu)
    before = [loop_events(d) for d in daemons]
    cpu_before = [lsnet.cpu_seconds(d.pid) for d in daemons]
    t0 = time.monotonic()
    count = 50
    sent, received, out = t.vm1.ping(t.vm2.addr, count=count, interval=0.02, wait=2)
    elapsed = time.monotonic() - t0
    assert (sent, received) == (count, count), out
    for d, b, c in zip(daemons, before, cpu_before):
        ev = loop_events(d)
        assert ev["wait"] == b["wait"] and ev["kick_sleep"] == b["kick_sleep"], (b, ev)
        assert ev["poll_caught"] - b["poll_caught"] >= count, (b, ev)
        assert lsnet.cpu_seconds(d.pid) - c >= 0.3 * elapsed, (d.pid, elapsed)


# A steady one-way flow: a datagram every 500 us for 2 s.
STEADY_SENDER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + 2
while time.monotonic() < end:
    s.sendto(b"x" * 64, (sys.argv[1], 9))
    time.sleep(0.0005)
"""


def test_busy_poll_spares_steady_flow(lab):
    """
    A steady flow whose packets come 500 us apart, under a poll of 1 ms: every idle gap is
    shorter than the poll, but polling through them would take nearly all the time for a
    wake-up saved per packet, so the daemons sleep between packets instead: hardly any polls.
    """
    t = lsnet.readme_lisp(lab, 1, daemon_args=("--busy-poll-usec", "1000"))
    t.vm1.ping(t.vm2.addr, count=1)
    before = [loop_events(hv.d) for hv in (t.hv1, t.hv2)]
    t.vm1.ns.run("/usr/bin/python3", "-c", STEADY_SENDER, t.vm2.addr, timeout=30)
    for hv, b in zip((t.hv1, t.hv2), before):
        ev = loop_events(hv.d)
        woken = ev["wait"] - b["wait"]
        assert woken >= 1000, (ev, b)
        assert ev["poll"] - b["poll"] < woken // 20, (ev, b)


def packet_sockets(ns):
    """The inodes of the AF_PACKET sockets open in namespace 'ns', by any process."""
    return {line.split()[-1] for line in ns.run("cat", "/proc/net/packet").stdout.splitlines()[1:]}


def epoll_and_packet_fds(pid, ns):
    """(the fds in the daemon's epoll sets, its AF_PACKET sockets' fds by inode)."""
    packet_inodes = packet_sockets(ns)
    in_epoll, packet = set(), {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        if target == "anon_inode:[eventpoll]":
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                in_epoll |= {int(line.split()[1]) for line in f if line.startswith("tfd:")}
        elif target.startswith("socket:[") and target[8:-1] in packet_inodes:
            packet[target[8:-1]] = int(fd)
    return in_epoll, packet


def test_rings_polled_by_the_sleep(lab):
    """
    With io_uring, the packet rings are not in the epoll set (whose entry on a socket's wait
    queue would cost every frame two locks), but polled by the loop's sleep; a port removed
    while that poll waits has it taken out, and its sockets close at once (the poll held them
    open). The port, added again, carries traffic.
    """
    t = lsnet.readme_lisp(lab, 1)
    assert t.vm1.ping(t.vm2.addr)[1] == 3
    if "io_uring unavailable" in t.hv1.d.log_tail(100):
        pytest.skip("no io_uring here: the rings stay in the epoll set")
    in_epoll, packet = epoll_and_packet_fds(t.hv1.d.pid, t.hv1.ns)
    assert len(packet) == 4, packet        # tap0 and eth0: a ring and a second socket each.
    assert not set(packet.values()) & in_epoll, (in_epoll, packet)
    t.hv1.ctl("del-port", "br0", "tap0")
    assert lsnet.wait_until(lambda: len(packet_sockets(t.hv1.ns)) == 2, timeout=2)
    # A port's number is not reused (as in OVS): the guide's flows need tap0 as port 1.
    t.hv1.ctl("add-port", "br0", "tap0", "--", "set", "Interface", "tap0", "ofport_request=1")
    assert t.vm1.ping(t.vm2.addr)[1] == 3
    assert len(epoll_and_packet_fds(t.hv1.d.pid, t.hv1.ns)[1]) == 4


def deny_io_uring():
    """A seccomp filter that refuses io_uring_setup() as Docker's default profile does (EPERM):
    set in the child, it holds for the daemon it executes."""
    import errno
    import seccomp
    f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    f.add_rule(seccomp.ERRNO(errno.EPERM), "io_uring_setup")
    f.load()


def test_without_io_uring(lab):
    """
    A daemon that may not use io_uring (a container's seccomp profile) says so once, keeps its
    packet rings in the epoll set, kicks with send() and carries README-lisp's traffic; with its
    polls and kicks the same as ever: the other way of the loop, tested.
    """
    t = lsnet.readme_lisp(lab, 1, daemon_args=("--busy-poll-usec", "0"))
    # Killed, br0 keeps its address (a clean stop would remove the TAP device, as OVS does).
    t.hv1.d.kill9()
    t.hv1.d.preexec = deny_io_uring
    t.hv1.d.start()
    assert "io_uring unavailable: ring kicks are separate system calls" in t.hv1.d.log_tail(50)
    sent, received, out = t.vm1.ping(t.vm2.addr, count=20, interval=0.02, wait=2)
    assert received == 20, out
    in_epoll, packet = epoll_and_packet_fds(t.hv1.d.pid, t.hv1.ns)
    assert len(packet) == 4 and len(set(packet.values()) & in_epoll) == 2, (in_epoll, packet)
    ev = [loop_events(hv.d) for hv in (t.hv1, t.hv2)]
    assert ev[0]["kick_sleep"] == 0 and ev[0]["wait"] >= 20, ev
    assert ev[1]["kick_sleep"] >= 20, ev       # hv2 kept io_uring.
