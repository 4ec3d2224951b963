"""Smoke test: two VMs on one bridge ping each other.

    [vm1 eth0] --veth-- [va | hypervisor: br0 | vb] --veth-- [vm2 eth0]
"""
import os
import subprocess
import tempfile
import time

BUILD = os.environ.get("LISPSWITCH_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
DAEMON = os.path.join(BUILD, "src/daemon/lispswitchd")
CTL = os.path.join(BUILD, "src/ctl/lispctl")


def sh(*args):
    subprocess.run(args, check=True)


def test_ping_across_bridge():
    tag = "lss%d" % os.getpid()
    hv, vm1, vm2 = tag + "hv", tag + "v1", tag + "v2"
    tmp = tempfile.mkdtemp()
    env = dict(os.environ, LISPSWITCH_RUNDIR=tmp + "/run")
    pid = None
    try:
        for ns in (hv, vm1, vm2):
            sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", "va", "netns", hv, "type", "veth", "peer", "name", "eth0", "netns", vm1)
        sh("ip", "link", "add", "vb", "netns", hv, "type", "veth", "peer", "name", "eth0", "netns", vm2)
        for ns, ip in ((vm1, "10.9.0.1/24"), (vm2, "10.9.0.2/24")):
            sh("ip", "-n", ns, "addr", "add", ip, "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        sh("ip", "netns", "exec", hv, DAEMON, "--rundir", tmp + "/run", "--dbdir", tmp + "/db",
           "--log-file", tmp + "/log", "--detach")
        pid = int(open(tmp + "/run/lispswitchd.pid").read())
        subprocess.run(["ip", "netns", "exec", hv, CTL, "add-br", "br0", "--", "add-port", "br0", "va",
                        "--", "add-port", "br0", "vb"], check=True, env=env)
        r = subprocess.run(["ip", "netns", "exec", vm1, "ping", "-c", "3", "-i", "0.2", "-W", "2", "10.9.0.2"],
                           capture_output=True, text=True, timeout=20)
        assert r.returncode == 0, r.stdout
        out = subprocess.run(["ip", "netns", "exec", hv, CTL, "list-ports", "br0"], env=env,
                             capture_output=True, text=True, check=True).stdout
        assert out == "va\nvb\n"
    finally:
        if pid:
            os.kill(pid, 15)
            for _ in range(50):
                if not os.path.exists("/proc/%d" % pid):
                    break
                time.sleep(0.1)
        for ns in (hv, vm1, vm2):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
