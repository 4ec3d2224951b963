"""
Resource bounds (issue 8, part 5): a MAC flood of 1,000,000 source addresses from one VM port
leaves the MAC table at its bound (8192 entries, least recently used evicted) and the switch
forwarding the traffic of the other VMs; the daemon's RSS stays bounded.

    [vm1 ns] eth0 ==veth== p1 --+      <- 1,000,000 frames, sources 02:00:00:00:00:00...
    [vm2 ns] eth0 10.0.0.2 == p2 --+  br0 (lispswitchd, hv ns)
    [vm3 ns] eth0 10.0.0.3 == p3 --+      vm2 pings vm3 throughout
"""
import json
import time

import lsnet

FLOOD = 1_000_000
FDB_MAX = 8192
RSS_BOUND_KIB = 16 * 1024
BLAST = lsnet.REPO / "tests/system/blast.py"


def test_mac_flood(lab):
    """vm1 sends 1,000,000 frames from as many source MACs, as fast as one Python sender can,
    while vm2 pings vm3 (200 echoes, 20 ms apart). The ping loses nothing; every frame vm1 sent
    is counted by p1, processed (rx) or lost in its full ring (rx dropped); the MAC table holds
    exactly its bound of 8192 entries (how many were evicted is not shown anywhere yet); RSS grows less than 16 MiB; afterwards vm2 and vm3 are
    learned again and reachable."""
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vms = [lab.vm(hv, f"vm{i}", f"p{i}", f"10.0.0.{i}/24") for i in (1, 2, 3)]
    d.ctl("add-br", "br0")
    lsnet.attach(d, "br0", *vms)
    vm1, vm2, vm3 = vms
    assert vm2.ping(vm3.addr, count=2, interval=0.1)[:2] == (2, 2)
    rss0 = lsnet.rss_kib(d.pid)
    p1_0 = d.port_stats("br0")["p1"]
    tx0 = lsnet.link_stat(vm1.ns, "eth0", "tx_packets")
    t0 = time.monotonic()
    ping = lab.popen(lsnet.Vm.ping_argv(vm3.addr, count=200, interval=0.02), ns=vm2.ns)
    flood = lab.popen([lsnet.PYTHON, BLAST, "macflood", "eth0", FLOOD, vm1.mac, 50], ns=vm1.ns)
    result = json.loads(flood.communicate(timeout=70)[0])
    elapsed = time.monotonic() - t0
    out, _ = ping.communicate(timeout=30)
    assert result["sent"] == FLOOD, result
    assert lsnet.parse_ping(out) == (200, 200), out
    sent = lsnet.link_stat(vm1.ns, "eth0", "tx_packets") - tx0

    def counted():
        p1 = d.port_stats("br0")["p1"]
        return [p1["rx"][k] - p1_0["rx"][k] for k in ("packets", "dropped")]
    lsnet.wait_until(lambda: sum(counted()) >= sent, timeout=10)
    rx, dropped = counted()
    assert rx + dropped == sent
    fdb = d.ctl_json("fdb/show", "br0")
    grown = lsnet.rss_kib(d.pid) - rss0
    print(f"macflood: {FLOOD} frames in {elapsed:.1f} s, p1 rx {rx}, ring drops {dropped}, "
          f"fdb {len(fdb)} entries, RSS +{grown} KiB")
    assert len(fdb) == FDB_MAX
    assert grown < RSS_BOUND_KIB * (4 if lsnet.sanitized(d.pid) else 1)
    assert d.running()
    assert vm2.ping(vm3.addr, count=3, interval=0.1)[:2] == (3, 3)
    macs = {e["mac"] for e in d.ctl_json("fdb/show", "br0")}
    assert {vm2.mac, vm3.mac} <= macs
