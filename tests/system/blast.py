"""
blast: sends a prebuilt list of packets fast, bounded in count and time, and prints one JSON line
{"sent": N, "failed": {errno name: count}}. Run inside the namespace the packets leave from.

    blast.py l2 IFNAME FILE [BURST PAUSE_MS MAX_SECONDS]   Ethernet frames, AF_PACKET on IFNAME
    blast.py udp DST FILE [BURST PAUSE_MS MAX_SECONDS]     UDP payloads to DST:4341 from 4341,
                                                           through a raw socket (checksum 0)

    blast.py macflood IFNAME COUNT DSTMAC [MAX_SECONDS]     COUNT frames from COUNT different
                                                           source MACs, as fast as it can

FILE holds records of a 4-byte big-endian length and that many bytes. Every BURST packets the
sender sleeps PAUSE_MS, so that the receiver's rings never overflow (a lost packet would make
the exact counts meaningless); it stops after MAX_SECONDS whatever is left.
"""
import collections
import errno
import json
import socket
import struct
import sys
import time


def records(path):
    data = open(path, "rb").read()
    off = 0
    while off < len(data):
        (n,) = struct.unpack_from("!I", data, off)
        yield data[off + 4:off + 4 + n]
        off += 4 + n


def macflood(ifname, count, dst, max_s):
    """Frames of 60 bytes, source 02:00:NN:NN:NN:NN for NN.. = 0 to 'count' - 1, ethertype
    0x88b5 (local experimental, so that no stack on the way acts on them)."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    head, tail = bytes.fromhex(dst.replace(":", "")) + b"\x02\x00", b"\x88\xb5" + bytes(46)
    sent, failed = 0, collections.Counter()
    deadline = time.monotonic() + max_s
    for i in range(count):
        if i % 4096 == 0 and time.monotonic() > deadline:
            break
        try:
            s.send(head + i.to_bytes(4, "big") + tail)
            sent += 1
        except OSError as e:
            failed[errno.errorcode.get(e.errno, str(e.errno))] += 1
    print(json.dumps({"sent": sent, "failed": failed}))


def main(argv):
    if argv[1] == "macflood":
        macflood(argv[2], int(argv[3]), argv[4], float(argv[5]) if len(argv) > 5 else 50.0)
        return
    kind, target, path = argv[1:4]
    burst, pause_ms, max_s = (int(argv[4]), float(argv[5]), float(argv[6])) if len(argv) > 6 \
        else (64, 2.0, 50.0)
    if kind == "l2":
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((target, 0))
        send = s.send
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
        hdr = struct.Struct("!HHHH")

        def send(p):
            return s.sendto(hdr.pack(4341, 4341, 8 + len(p), 0) + p, (target, 0))
    sent, failed = 0, collections.Counter()
    deadline = time.monotonic() + max_s
    for i, p in enumerate(records(path)):
        if i % burst == 0:
            if time.monotonic() > deadline:
                break
            time.sleep(pause_ms / 1000)
        try:
            send(p)
            sent += 1
        except OSError as e:
            failed[errno.errorcode.get(e.errno, str(e.errno))] += 1
    print(json.dumps({"sent": sent, "failed": failed}))


if __name__ == "__main__":
    main(sys.argv)
