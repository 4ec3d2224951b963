"""
flowlab: helpers for the flow-table system tests (test_flows.py): reading flow and table
counters, sending exact frames from inside a namespace, capturing what a namespace receives,
and a paced stream with sequence numbers.

Every helper is bounded in packets and time, and runs its traffic inside namespaces the test
made (through lsnet), never in the root namespace.
"""
import json
import os
import select
import signal
import subprocess
import time

import lsnet

# A frame type the VMs' kernels ignore (IEEE 802 local experimental ethertype 1).
ETH_EXPERIMENTAL = 0x88B5


def frame(src, dst, size, vlan=None, ethertype=ETH_EXPERIMENTAL):
    """An Ethernet frame of exactly 'size' bytes (no FCS), optionally tagged 'vlan'."""
    from scapy.layers.l2 import Dot1Q, Ether

    pkt = Ether(src=src, dst=dst, type=ethertype if vlan is None else 0x8100)
    if vlan is not None:
        pkt = pkt / Dot1Q(vlan=vlan, type=ethertype)
    return pad(pkt, size)


def pad(pkt, size):
    """The bytes of scapy packet 'pkt' padded with zeros to exactly 'size' bytes."""
    data = bytes(pkt)
    assert len(data) <= size, (len(data), size)
    return data + bytes(size - len(data))


# Sends frames through a packet socket: faster and more exact than scapy's sendp.
_SEND = """
import json, socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for hexdata, count in json.load(sys.stdin):
    data = bytes.fromhex(hexdata)
    for _ in range(count):
        s.send(data)
"""


def send(ns, frames, ifname="eth0"):
    """Sends each (bytes, count) of 'frames', in order, out of 'ifname' of namespace 'ns'."""
    payload = json.dumps([(f.hex(), n) for f, n in frames])
    r = subprocess.run(["ip", "netns", "exec", ns.name, lsnet.PYTHON, "-c", _SEND, ifname],
                       input=payload, capture_output=True, text=True,
                       timeout=lsnet.DEFAULT_TIMEOUT)
    assert r.returncode == 0, r.stderr


# A paced stream: frame i carries its sequence number (4 bytes) at offset 'seq_at'.
_STREAM = """
import json, socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
spec = json.load(sys.stdin)
frames = [bytearray.fromhex(h) for h in spec["frames"]]
interval, deadline = spec["interval"], time.monotonic() + spec["max_time"]
t0 = time.monotonic()
for i in range(spec["count"]):
    f = frames[i % len(frames)]
    f[spec["seq_at"]:spec["seq_at"] + 4] = i.to_bytes(4, "big")
    s.send(f)
    now = time.monotonic()
    if now > deadline:
        sys.exit("stream: out of time after %d frames" % (i + 1))
    delay = t0 + (i + 1) * interval - now
    if delay > 0:
        time.sleep(delay)
print(spec["count"])
"""


def stream(lab, ns, frames, count, interval, seq_at, ifname="eth0", max_time=20):
    """Starts sending 'count' frames, cycling through 'frames', one every 'interval' seconds,
    in the background; returns the process (its stdout is the count once all went out)."""
    spec = json.dumps({"frames": [f.hex() for f in frames], "count": count,
                       "interval": interval, "seq_at": seq_at, "max_time": max_time})
    p = lab.popen([lsnet.PYTHON, "-c", _STREAM, ifname], ns=ns, stdin=subprocess.PIPE)
    p.stdin.write(spec)
    p.stdin.close()
    p.stdin = None   # So that communicate() does not flush it again.
    return p


class Capture:
    """tcpdump on 'ifname' of namespace 'ns', frames coming in only, into a pcap file;
    stopped by stop(), or killed by the lab's cleanup (tcpdump is the process the lab
    started: ip netns exec execs it, so its PID is the one the lab kills). libpcap puts
    back the VLAN tags that the kernel moves out of the frame, so tags are seen as on the
    wire."""

    def __init__(self, lab, ns, path, ifname="eth0", bpf=()):
        self.path = str(path)
        self.proc = lab.popen(["tcpdump", "-i", ifname,
                               "-Q", "in", "--immediate-mode", "-U", "-n", "-s", "0", "-w", self.path, *bpf],
                              ns=ns)
        deadline = time.monotonic() + 10
        seen = ""
        while "listening on" not in seen:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stderr], [], [], left)[0]:
                raise AssertionError(f"tcpdump did not start: {seen!r}")
            line = self.proc.stderr.readline()
            if not line:
                raise AssertionError(f"tcpdump exited: {seen!r}")
            seen += line

    def stop(self, settle=0.3):
        """Stops the capture (after 'settle' seconds for frames in flight); returns the
        scapy packets captured."""
        from scapy.utils import rdpcap

        time.sleep(settle)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        self.proc.communicate(timeout=10)
        return list(rdpcap(self.path)) if os.path.getsize(self.path) > 24 else []

    def tshark(self, *fields):
        """The captured frames decoded by tshark: one tuple of 'fields' per frame."""
        out = lsnet.run(["tshark", "-r", self.path, "-T", "fields",
                         *[a for f in fields for a in ("-e", f)]]).stdout
        return [tuple(line.split("\t")) for line in out.splitlines()]


def dump_flows(d, bridge, *match):
    return d.ctl_json("dump-flows", bridge, *match)


def flow_key(row):
    """A flow's identity in dump-flows: (table, priority, match)."""
    return (row["table"], row["priority"], row["match"])


def counters(d, bridge):
    """{(table, priority, match): (n_packets, n_bytes)} of every flow."""
    return {flow_key(r): (r["n_packets"], r["n_bytes"]) for r in dump_flows(d, bridge)}


def total_packets(d, bridge):
    return sum(n for n, _ in counters(d, bridge).values())


def settle_counters(d, bridge, packets, timeout=5.0):
    """The flow counters once they add up to 'packets' (or 'timeout' passed), read again a
    moment later so that a packet counted twice or late shows too."""
    lsnet.wait_until(lambda: total_packets(d, bridge) >= packets, timeout=timeout)
    time.sleep(0.2)
    return counters(d, bridge)


def tables(d, bridge):
    """{table: (active, lookups, matched)} from dump-tables."""
    return {t["table"]: (t["active"], t["lookups"], t["matched"])
            for t in d.ctl_json("dump-tables", bridge)}


def no_stats(d, bridge):
    """dump-flows --no-stats: the table as text, without counters or durations."""
    return d.ctl("dump-flows", "--no-stats", bridge)[1]


def tx_packets(d, bridge):
    """{port name: tx packets}."""
    return {name: row["tx"]["packets"] for name, row in d.port_stats(bridge).items()}


def drops(d, bridge, port):
    """{reason: count} of the non-zero datapath drops of 'port'."""
    return {k: v for k, v in d.port_stats(bridge)[port]["drops"].items() if v}


def write_flows(path, lines):
    path.write_text("".join(line + "\n" for line in lines))
    return path
