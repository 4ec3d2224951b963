"""Daemon life cycle: kill -9 and restart, clean stop, one daemon per run directory, the saved
configuration. Topology unless drawn otherwise:

    [vm1 ns] eth0 10.0.0.1 ==veth== p1 (port 1)  --+
                                                   |  br0 (hv ns), LOCAL 10.0.0.254/24, up
    [vm2 ns] eth0 10.0.0.2 ==veth== p2 (port 10) --+  br1 (no ports)
"""
import json

import pytest

import flowlab
import lsnet


def build(lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vm1 = lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
    vm2 = lab.vm(hv, "vm2", "p2", "10.0.0.2/24")
    d.ctl("add-br", "br0")
    d.ctl("add-br", "br1")
    lsnet.attach(d, "br0", vm1)
    d.ctl("add-port", "br0", "p2", "ofport_request=10")
    hv.ip("addr", "add", "10.0.0.254/24", "dev", "br0")
    hv.ip("link", "set", "br0", "up")
    return hv, d, vm1, vm2


def state(d):
    """What must survive a restart, as lispctl shows it."""
    return {
        "list-br": d.ctl("list-br")[1],
        "show": d.ctl("show")[1],
        "ports": d.ctl("list-ports", "br0")[1],
        "ofports": d.ctl("get", "Interface", "p1", "ofport", "--", "get", "Interface", "p2",
                         "ofport", "ofport_request")[1],
        "dump-ports": [(r["port"], r["name"]) for r in d.ctl_json("dump-ports", "br0")],
    }


def reachable(vm, *addrs):
    return all(vm.ping(a, count=2, interval=0.1)[:2] == (2, 2) for a in addrs)


def test_restart_after_kill9(lab):
    """kill -9, then start again: bridges, ports and numbers (p2's from ofport_request) come
    back; br0's TAP device outlived the daemon with its address; traffic flows again, both
    VM to VM and VM to the hypervisor's own address on LOCAL."""
    hv, d, vm1, vm2 = build(lab)
    assert reachable(vm1, vm2.addr, "10.0.0.254")
    before = state(d)
    assert before["ofports"] == "1\n10\n10\n"
    assert before["list-br"] == "br0\nbr1\n"

    assert d.kill9() == -9
    assert hv.link_exists("br0") and hv.link_exists("br1")
    assert hv.addresses("br0") == ["10.0.0.254/24"]
    rc, _, err = d.ctl("list-br", check=False)
    assert (rc, err) == (1, f"lispctl: list-br: cannot connect to lispswitchd at "
                            f"{d.rundir}/lispswitchd.ctl: Connection refused (is it running?)\n")

    d.start()
    assert state(d) == before
    assert hv.addresses("br0") == ["10.0.0.254/24"]
    assert reachable(vm1, vm2.addr, "10.0.0.254")
    # The next number is still the next one in order of addition.
    vm3 = lab.vm(hv, "vm3", "p3", "10.0.0.3/24")
    lsnet.attach(d, "br0", vm3)
    assert d.ctl("get", "Interface", "p3", "ofport")[1] == "2\n"


def test_clean_stop_removes_tap_keeps_config(lab):
    """SIGTERM: exit status 0, the TAP devices br0 and br1 are gone, the pidfile and socket are
    removed, the configuration stays; a new start restores everything and traffic flows."""
    hv, d, vm1, vm2 = build(lab)
    before = state(d)
    saved = json.loads(d.config.read_text())

    assert d.stop() == 0
    assert not hv.link_exists("br0") and not hv.link_exists("br1")
    assert hv.link_exists("p1") and hv.link_exists("p2")
    assert not d.pidfile.exists() and not (d.rundir / "lispswitchd.ctl").exists()
    assert json.loads(d.config.read_text()) == saved
    assert [b["name"] for b in saved["bridges"]] == ["br0", "br1"]
    assert [(p["name"], p["ofport"], p["ofport_request"]) for p in saved["bridges"][0]["ports"]] \
        == [("p1", 1, 0), ("p2", 10, 10)]
    assert not list(d.dbdir.glob("*.tmp")), "a temporary config file was left behind"

    d.start()
    assert state(d) == before
    assert hv.link_exists("br0")
    assert reachable(vm1, vm2.addr)


def test_second_daemon_on_same_rundir_refused(lab):
    """A second lispswitchd with the same run directory exits 1 with one clear line, and the
    first one keeps running and answering."""
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    d.ctl("add-br", "br0")
    second = lab.daemon(hv, start=False)
    second.rundir = d.rundir
    with pytest.raises(lsnet.DaemonStartError) as e:
        second.start()
    assert e.value.rc == 1
    assert e.value.stderr == (f"lispswitchd: another lispswitchd (pid {d.pid}) is running "
                              f"with pidfile {d.pidfile}\n")
    assert int(d.pidfile.read_text()) == d.pid
    assert d.running()
    assert d.ctl("list-br")[1] == "br0\n"


def test_corrupt_config_refused_and_kept(lab):
    """A truncated conf.json (as a crash in the middle of a non-atomic write would leave) stops
    the daemon at start with the file and line, and the file is not overwritten."""
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    d.ctl("add-br", "br0")
    assert d.stop() == 0
    text = d.config.read_text()
    d.config.write_text(text[: len(text) // 2])
    with pytest.raises(lsnet.DaemonStartError) as e:
        d.start()
    assert e.value.rc == 1
    lines = e.value.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lispswitchd: {d.config}: line "), lines
    assert d.config.read_text() == text[: len(text) // 2]
    assert not hv.link_exists("br0")


def test_failed_save_changes_nothing(lab):
    """When the configuration cannot be written (here conf.json.tmp is a directory), the
    transaction fails with the file's error and the daemon is where it was: flows added or
    deleted, a bridge deleted with its flows, all come back as they were. Once the file can be
    written again, so can everything, and a restart brings back what was saved."""
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    d.ctl("add-br", "br0")
    d.ctl("add-br", "br1")
    d.ctl("add-flow", "br0", "priority=5,ip,nw_dst=10.0.0.1,actions=drop")
    d.ctl("add-flow", "br1", "table=1,cookie=0x7,idle_timeout=300,priority=9,tcp,tp_dst=80,"
          "actions=NORMAL")

    def tables():
        return {b: flowlab.no_stats(d, b) for b in d.ctl("list-br")[1].split()}

    before, saved = tables(), d.config.read_text()
    assert set(before) == {"br0", "br1"} and "tp_dst=80" in before["br1"]
    blocker = d.dbdir / "conf.json.tmp"
    blocker.mkdir()
    for args in (["add-flow", "br0", "priority=6,actions=drop"], ["del-flows", "br0"],
                 ["del-br", "br1"], ["add-br", "br2"]):
        rc, out, err = d.ctl(*args, check=False)
        assert (rc, out, err) == (1, "", f"lispctl: {args[0]}: transaction: {d.config}: "
                                         "cannot write: Is a directory\n"), args
        assert tables() == before, args
    assert d.config.read_text() == saved
    assert hv.link_exists("br1") and not hv.link_exists("br2")

    blocker.rmdir()
    d.ctl("del-flows", "br0", "ip,nw_dst=10.0.0.1")
    d.ctl("add-flow", "br1", "priority=6,actions=drop")
    after = tables()
    assert after != before
    assert d.stop() == 0
    d.start()
    assert tables() == after
