"""lispctl against a live daemon: every bad command gets its one line and exit code and leaves
the daemon answering and unchanged; "--" chains are all-or-nothing; --may-exist/--if-exists;
br-exists; get, show and vlog output.

Topology (no traffic here): in the hv namespace, veth pairs p1/p1x and p2/p2x;

    br0: p1 (port 1)      br1: no ports      p2: not on any bridge
"""
import json

import pytest

import lsnet

NAME_RULE = "(1 to 15 characters, no '/', ':' or spaces)"
NOWHERE = "/nonexistent/lispswitch-run"


def setup_hv(lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    for port in ("p1", "p2"):
        hv.ip("link", "add", port, "type", "veth", "peer", "name", port + "x")
    d.ctl("add-br", "br0")
    d.ctl("add-port", "br0", "p1")
    d.ctl("add-br", "br1")
    return hv, d


@pytest.fixture(scope="module")
def ctl_env(module_lab):
    hv, d = setup_hv(module_lab)
    return hv, d, d.ctl("show")[1]


# (arguments, exact stderr line after "lispctl: "). Every one exits 1.
BAD_COMMANDS = [
    # Parsed by lispctl.
    (["bogus"], "bogus: unknown command (try --help)"),
    ([], "missing command (try --help)"),
    (["add-br"], "add-br: missing argument (usage: add-br BRIDGE)"),
    (["add-br", "a", "b"], "add-br: too many arguments (usage: add-br BRIDGE)"),
    (["del-port", "a", "b", "c"], "del-port: too many arguments (usage: del-port [BRIDGE] PORT)"),
    (["set", "Interface", "p1"],
     "set: missing argument (usage: set Interface PORT COLUMN[:KEY]=VALUE...)"),
    (["list-ports"], "list-ports: missing argument (usage: list-ports BRIDGE)"),
    (["br-exists", "a", "b"], "br-exists: too many arguments (usage: br-exists BRIDGE)"),
    (["vlog/set", "port"], "vlog/set: missing argument (usage: vlog/set CATEGORY|any LEVEL)"),
    (["--format=xml", "list-br"], '--format: unknown format "xml" (text or json)'),
    (["--bogus", "list-br"], "--bogus: unknown option"),
    (["--rundir"], "--rundir: missing directory"),
    (["list-br", "--", "--", "list-br"], "missing command (try --help)"),
    (["list-br", "--", "add-br"], "add-br: missing argument (usage: add-br BRIDGE)"),
    # Bad names.
    (["add-br", "0123456789abcdef"], f"add-br \"0123456789abcdef\": invalid bridge name {NAME_RULE}"),
    (["add-br", "a/b"], f"add-br \"a/b\": invalid bridge name {NAME_RULE}"),
    (["add-br", "br:0"], f"add-br \"br:0\": invalid bridge name {NAME_RULE}"),
    (["add-br", ".."], f"add-br \"..\": invalid bridge name {NAME_RULE}"),
    # Bad names are quoted, so even the empty one is visible.
    (["add-br", ""], f"add-br \"\": invalid bridge name {NAME_RULE}"),
    (["add-port", "br0", "0123456789abcdef"],
     f"add-port \"0123456789abcdef\": invalid port name {NAME_RULE}"),
    (["add-port", "br0", "x/y"], f"add-port \"x/y\": invalid port name {NAME_RULE}"),
    # Bridges.
    (["add-br", "br0"], "add-br br0: bridge already exists"),
    (["add-br", "br2", "--", "add-br", "br2"], "add-br br2: bridge already exists"),
    (["add-br", "p1"], "add-br p1: a port named p1 exists on bridge br0"),
    (["del-br", "nobr"], "del-br nobr: no such bridge"),
    (["list-ports", "nobr"], "list-ports nobr: no such bridge"),
    # Ports.
    (["add-port", "nobr", "p2"], "add-port nobr: no such bridge"),
    (["add-port", "br0", "p1"], "add-port p1: port already exists on bridge br0"),
    (["add-port", "br1", "p1"], "add-port p1: port already exists on bridge br0"),
    (["--may-exist", "add-port", "br1", "p1"], "add-port p1: port already exists on bridge br0"),
    (["add-port", "br0", "nosuch"], "add-port nosuch: cannot open nosuch: no such network device"),
    (["add-port", "br0", "br1"],
     "add-port br1: a bridge named br1 exists (its internal port has that name)"),
    (["del-port", "br0"],
     "del-port br0: is a bridge's internal port: use del-br to remove the bridge"),
    (["del-port", "nosuch"], "del-port nosuch: no such port"),
    (["del-port", "br1", "p1"], "del-port p1: port is on bridge br0, not br1"),
    (["del-port", "nobr", "p1"], "del-port nobr: no such bridge"),
    (["--if-exists", "del-port", "nobr", "p1"], "del-port nobr: no such bridge"),
    # Columns and values.
    (["set", "Interface", "p1", "color=red"], 'set p1: unknown column "color"'),
    (["add-port", "br0", "p2", "color=red"], 'add-port p2: unknown column "color"'),
    (["set", "Interface", "p1", "novalue"],
     'set p1: "novalue": expected COLUMN=VALUE or options:KEY=VALUE'),
    (["set", "Interface", "p1", "ofport_request=0"], 'set p1: ofport_request: invalid value "0"'),
    (["set", "Interface", "p1", "ofport_request=abc"],
     'set p1: ofport_request: invalid value "abc"'),
    (["set", "Interface", "p1", "ofport_request=-1"], 'set p1: ofport_request: invalid value "-1"'),
    (["set", "Interface", "p1", "ofport_request=65280"],
     'set p1: ofport_request: invalid value "65280"'),
    # Names the command, the port that asked and the port that has the number.
    (["add-port", "br0", "p2", "ofport_request=1"], "add-port p2: ofport_request 1 is in use by port p1"),
    (["set", "Interface", "p1", "options:remote_ip=10.0.0.9"],
     'set p1: unknown option "remote_ip" for a system port'),
    (["add-port", "br0", "p2", "options:key=flow"], 'add-port p2: unknown option "key" for a system port'),
    (["set", "Interface", "p1", "type=vxlan"], 'set p1: unknown interface type "vxlan"'),
    (["set", "Bridge", "br0", "x=y"], "set Bridge: unknown table (Interface or Port)"),
    (["set", "Interface", "nosuch", "type=system"], "set nosuch: no such port"),
    (["set", "Interface", "br0", "type=internal"],
     "set br0: is a bridge's internal port, which has no settable columns"),
    (["get", "Interface", "p1", "color"], 'get p1: unknown column "color"'),
    (["get", "Interface", "p1", "options:foo"], 'get p1: no key "foo" in column options'),
    (["get", "Interface", "nosuch", "ofport"], "get nosuch: no such port"),
    # Views and logging.
    (["dump-ports", "nobr"], "dump-ports nobr: no such bridge"),
    (["dump-ports", "br0", "nosuch"], "dump-ports nosuch: no such port on br0"),
    (["fdb-show", "nobr"], "fdb-show nobr: no such bridge"),
    (["fdb/show", "nobr"], "fdb-show nobr: no such bridge"),
    (["vlog/set", "nosuch", "info"], "vlog/set nosuch: unknown log category"),
    (["vlog/set", "any", "loud"], "vlog/set loud: unknown log level (err, warn, info or dbg)"),
    # No daemon there.
    ([f"--rundir={NOWHERE}", "list-br"],
     f"list-br: cannot connect to lispswitchd at {NOWHERE}/lispswitchd.ctl: "
     "No such file or directory (is it running?)"),
]


@pytest.mark.parametrize("args,message", BAD_COMMANDS,
                         ids=[" ".join(a) or "(none)" for a, _ in BAD_COMMANDS])
def test_bad_command(ctl_env, args, message):
    hv, d, show = ctl_env
    assert d.ctl(*args, check=False) == (1, "", f"lispctl: {message}\n")
    # The daemon still answers, and nothing changed.
    assert d.ctl("list-br") == (0, "br0\nbr1\n", "")
    assert d.ctl("show")[1] == show


def test_bad_command_table_is_large():
    assert len(BAD_COMMANDS) >= 25


def test_chain_is_all_or_nothing(lab):
    """A chain whose last command fails changes nothing: not the config file, not the running
    bridges, not the interfaces (p1 is not left open, so not promiscuous)."""
    hv, d = setup_hv(lab)
    d.ctl("del-port", "br0", "p1")
    saved = d.config.read_bytes()

    assert d.ctl("add-port", "br0", "p1", "--", "add-port", "br0", "nosuch", check=False) == \
        (1, "", "lispctl: add-port nosuch: cannot open nosuch: no such network device\n")
    assert d.ctl("list-ports", "br0")[1] == ""
    assert json.loads(hv.ip("-d", "-j", "link", "show", "p1").stdout)[0]["promiscuity"] == 0

    assert d.ctl("add-br", "br2", "--", "add-port", "br2", "p1", "--",
                 "set", "Interface", "p1", "type=bogus", check=False) == \
        (1, "", 'lispctl: set p1: unknown interface type "bogus"\n')
    assert d.ctl("list-br")[1] == "br0\nbr1\n"
    assert not hv.link_exists("br2")
    assert d.config.read_bytes() == saved

    # The same chain without the bad command applies whole; reads see the chain's own changes.
    assert d.ctl("add-br", "br2", "--", "add-port", "br2", "p1", "--",
                 "add-port", "br2", "p2", "ofport_request=5", "--", "list-ports", "br2") == \
        (0, "p1\np2\n", "")
    assert d.ctl("get", "Interface", "p1", "ofport", "--", "get", "Interface", "p2", "ofport")[1] \
        == "1\n5\n"
    assert hv.link_exists("br2")


def test_may_exist_if_exists(lab):
    hv, d = setup_hv(lab)
    show = d.ctl("show")[1]
    saved = d.config.read_bytes()
    for args in (["--may-exist", "add-br", "br0"],
                 ["--may-exist", "add-port", "br0", "p1"],
                 ["--if-exists", "del-br", "nobr"],
                 ["--if-exists", "del-port", "nosuch"],
                 ["--if-exists", "del-port", "br0", "nosuch"]):
        assert d.ctl(*args) == (0, "", ""), args
    assert d.ctl("show")[1] == show
    assert d.config.read_bytes() == saved

    assert d.ctl("del-port", "br0", "p1") == (0, "", "")
    assert d.ctl("list-ports", "br0")[1] == ""
    assert d.ctl("--if-exists", "del-port", "p1") == (0, "", "")
    assert d.ctl("del-port", "p1", check=False) == (1, "", "lispctl: del-port p1: no such port\n")


def test_br_exists(lab):
    hv, d = setup_hv(lab)
    assert d.ctl("br-exists", "br0") == (0, "", "")
    assert d.ctl("br-exists", "nobr", check=False) == (2, "", "")
    assert d.ctl("--format=json", "br-exists", "nobr", check=False) == (2, "", "")
    # In a chain the other outputs still print; the exit status says "no".
    assert d.ctl("br-exists", "nobr", "--", "list-br", check=False) == (2, "br0\nbr1\n", "")
    assert d.ctl("br-exists", "p1", check=False)[0] == 2   # A port is not a bridge.
    assert d.ctl("br-exists", "br0", check=False, rundir=NOWHERE)[0] == 1


def test_get_output(lab):
    hv, d = setup_hv(lab)
    columns = ["name", "type", "ofport", "ofport_request", "options"]
    assert d.ctl("get", "Interface", "p1", *columns) == (0, 'p1\n""\n1\n[]\n{}\n', "")
    assert d.ctl_json("get", "Interface", "p1", *columns) == ["p1", "", 1, [], {}]
    assert d.ctl("get", "Port", "p1", "ofport")[1] == "1\n"

    assert d.ctl("set", "Interface", "p1", "ofport_request=7") == (0, "", "")
    assert d.ctl("get", "Interface", "p1", "ofport", "ofport_request")[1] == "7\n7\n"
    assert d.ctl_json("dump-ports", "br0", "p1")[0]["port"] == 7


def test_show_output(lab):
    hv, d = setup_hv(lab)
    d.ctl("set", "Interface", "p1", "ofport_request=3")
    assert d.ctl("show") == (0, (
        "    Bridge br0\n"
        "        Port br0\n"
        "            Interface br0\n"
        "                type: internal\n"
        "        Port p1\n"
        "            Interface p1\n"
        "    Bridge br1\n"
        "        Port br1\n"
        "            Interface br1\n"
        "                type: internal\n"), "")
    assert d.ctl_json("show") == {"bridges": [
        {"name": "br0", "ports": [
            {"name": "br0", "type": "internal", "ofport": "LOCAL", "options": {}},
            {"name": "p1", "type": "", "ofport": 3, "options": {}}]},
        {"name": "br1", "ports": [
            {"name": "br1", "type": "internal", "ofport": "LOCAL", "options": {}}]}]}


def test_vlog(lab):
    hv, d = setup_hv(lab)
    levels = d.ctl_json("vlog/list")
    assert set(levels.values()) == {"info"} and "port" in levels and "main" in levels
    assert d.ctl("vlog/set", "port", "dbg") == (0, "", "")
    assert d.ctl_json("vlog/list") == dict(levels, port="dbg")
    out = d.ctl("vlog/list")[1].splitlines()
    assert out[0] == "category   level"
    assert "port       dbg" in out and "main       info" in out
    assert d.ctl("vlog/set", "any", "warn") == (0, "", "")
    assert set(d.ctl_json("vlog/list").values()) == {"warn"}


def test_help(lab):
    hv, d = setup_hv(lab)
    rc, out, err = d.ctl("--help")
    assert (rc, err) == (0, "")
    assert out.startswith("usage: lispctl [--rundir=DIR] [--format=text|json] COMMAND")
    for verb in ("add-br", "del-br", "list-br", "br-exists", "add-port", "del-port", "list-ports",
                 "set", "get", "show", "dump-ports", "fdb-show", "vlog/set", "vlog/list"):
        assert f"\n  {verb} " in out, verb
    assert d.ctl("add-br", "--help") == \
        (0, "usage: lispctl add-br BRIDGE\n  create a bridge and its internal port\n", "")


def test_del_br(lab):
    """del-br removes the bridge, its ports and its TAP device; the ports can then be used
    on another bridge. (Regression: del-br used to crash the daemon.)"""
    hv, d = setup_hv(lab)
    assert d.ctl("del-br", "br0", check=False) == (0, "", "")
    assert d.ctl("list-br")[1] == "br1\n"
    assert not hv.link_exists("br0")
    assert d.ctl("add-port", "br1", "p1") == (0, "", "")
    assert d.ctl("get", "Interface", "p1", "ofport")[1] == "1\n"
    assert d.ctl("del-br", "br1") == (0, "", "")
    assert d.ctl("list-br")[1] == ""
    assert not hv.link_exists("br1")
