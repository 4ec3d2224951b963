"""
Fixtures for the system tests: labs (namespaces, veth, daemons) that are always torn down, and
the common topology of two VMs on one bridge.

Run with LISPSWITCH_BUILD=<build dir> (make system-test does); as root, since the tests make
network namespaces. A test fails at teardown if its daemons or lispctl left an ASan/UBSan
report, or if a namespace it made is still there.
"""
import os
import shutil
import types

import pytest

import lsnet


def pytest_configure(config):
    missing = [p for p in (lsnet.BUILD / "src/daemon/lispswitchd", lsnet.BUILD / "src/ctl/lispctl")
               if not p.exists()]
    if missing:
        raise pytest.UsageError(f"not built: {', '.join(map(str, missing))} "
                                "(set LISPSWITCH_BUILD to a build directory)")
    if os.geteuid() != 0:
        raise pytest.UsageError("the system tests make network namespaces: run them as root")


def pytest_report_header(config):
    return f"lispswitch build: {lsnet.BUILD}"


def _lab_lifetime():
    """A Lab, and at the end: cleanup, then the checks that turn leftovers into failures."""
    lab = lsnet.Lab()
    try:
        yield lab
    finally:
        prefix = lab.prefix
        lab.cleanup(keep_dirs=True)
        problems = []
        left = lsnet.leftover_namespaces(prefix + "-")
        if left:
            problems.append(f"namespaces left behind: {left}")
        try:
            lab.check_sanitizers()
        except AssertionError as e:
            problems.append(str(e))
        for d in lab.dirs:
            shutil.rmtree(d, ignore_errors=True)
        if problems:
            pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def lab():
    yield from _lab_lifetime()


@pytest.fixture(scope="module")
def module_lab():
    yield from _lab_lifetime()


def two_vms(lab):
    """
    The common topology: two VMs on br0 in one hypervisor namespace.

        [vm1 ns] eth0 10.0.0.1 ==veth== p1 --+
                                             |  br0 (lispswitchd, hv ns)
        [vm2 ns] eth0 10.0.0.2 ==veth== p2 --+

    p1 gets OpenFlow port 1 and p2 port 2 (added in that order, one command each). Both are
    created down: add-port brings them up.
    """
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    vm1 = lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
    vm2 = lab.vm(hv, "vm2", "p2", "10.0.0.2/24")
    d.ctl("add-br", "br0")
    lsnet.attach(d, "br0", vm1, vm2)
    return types.SimpleNamespace(hv=hv, d=d, vm1=vm1, vm2=vm2)


@pytest.fixture
def sw(lab):
    return two_vms(lab)
