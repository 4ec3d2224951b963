"""The harness itself: it must notice sanitizer reports and must leave nothing behind, or the
other tests could pass when they should not."""
import os

import pytest

import lsnet


def test_sanitizer_reports_are_noticed_once(lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    d.check_sanitizers()                       # A clean daemon has nothing to report.
    (d.dir / "asan.12345").write_text("==12345==ERROR: AddressSanitizer: heap-use-after-free\n")
    with open(d.dir / "stderr", "a") as f:
        f.write("x.c:1:2: runtime error: member access within null pointer\n")
    with pytest.raises(AssertionError) as e:
        d.check_sanitizers()
    assert "heap-use-after-free" in str(e.value) and "runtime error" in str(e.value)
    d.check_sanitizers()                       # Raised once, then moved out of the way.


def test_cleanup_leaves_nothing():
    """A lab with a daemon, a VM and a background process is gone after cleanup()."""
    lab = lsnet.Lab()
    try:
        hv = lab.netns("hv")
        d = lab.daemon(hv)
        lab.vm(hv, "vm1", "p1", "10.0.0.1/24")
        d.ctl("add-br", "br0")
        sleeper = lab.popen(["sleep", "30"], ns=hv)
        pid, dirs = d.pid, list(lab.dirs)
    finally:
        lab.cleanup()
    assert lsnet.leftover_namespaces(lab.prefix + "-") == []
    assert sleeper.poll() is not None
    assert not os.path.exists(f"/proc/{pid}")
    assert not any(p.exists() for p in dirs)
    lab.cleanup()                              # Twice is harmless.
