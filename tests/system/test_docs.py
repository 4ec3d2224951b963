"""
docs/lispctl.md is true: each of its console examples is run, in order, in a lab like the one
the page describes, and each command's output must have the documented shape; and every verb
of lispctl's verb table has an example there.

    [hv ns] lispswitchd, no bridge; tap0, eth0: veth ends, down (their peers tap0p, eth0p)

A documented output matches when it is equal line by line, except that every run of digits
stands for any number and a line "..." for any lines (none included).
"""
import os
import re
import shlex
import subprocess

import lsnet

DOC = lsnet.REPO / "docs/lispctl.md"


def examples(text):
    """[(command, [expected output lines])] of the ```console blocks, in order."""
    out, block = [], None
    for line in text.splitlines():
        if line.startswith("```console"):
            block = True
        elif line.startswith("```"):
            block = None
        elif block and line.startswith("$ "):
            out.append((line[2:], []))
        elif block:
            out[-1][1].append(line)
    return out


def shape(lines):
    """A regular expression for documented output 'lines'."""
    parts = []
    for line in lines:
        if line == "...":
            parts.append(r"(?:.*\n)*?")
        else:
            parts.append(re.sub(r"\\?\d+", r"\\d+", re.escape(line)) + r"\n")
    return re.compile("".join(parts))


def verb_of(command):
    """The lispctl verb a documented command line runs, or None."""
    words = shlex.split(command.split(";")[0])
    if not words or words[0] != "lispctl":
        return None
    return next((w for w in words[1:] if not w.startswith("-")), None)


def test_shape_matching_can_fail():
    """The matcher itself: numbers are wildcards, text is not."""
    assert shape(["a 12 b"]).fullmatch("a 7 b\n")
    assert not shape(["a 12 b"]).fullmatch("a x b\n")
    assert not shape(["a", "b"]).fullmatch("a\n")
    assert shape(["a", "...", "z"]).fullmatch("a\nb\nc\nz\n")
    assert shape(["a", "...", "z"]).fullmatch("a\nz\n")


def test_every_verb_has_an_example():
    listed = lsnet.run([lsnet.BUILD / "src/ctl/lispctl", "--list-verbs"]).stdout
    verbs = {line.split("\t")[0] for line in listed.splitlines()}
    aliases = {"fdb/show": "fdb-show", "trace": "ofproto/trace"}
    shown = {aliases.get(v, v) for v in map(verb_of, (c for c, _ in examples(DOC.read_text())))}
    assert verbs - shown == set()


def test_examples_run_as_documented(lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    for name in ("tap0", "eth0"):
        hv.ip("link", "add", name, "type", "veth", "peer", "name", name + "p")
    env = dict(d.env, LISPSWITCH_RUNDIR=str(d.rundir),
               PATH=f"{lsnet.BUILD}/src/ctl:{os.environ['PATH']}")
    cwd = lab.tmpdir("docs")
    cases = examples(DOC.read_text())
    assert len(cases) > 30
    for command, expected in cases:
        r = subprocess.run(["ip", "netns", "exec", hv.name, "sh", "-c", f"{command} 2>&1"],
                           capture_output=True, text=True, env=env, cwd=cwd,
                           timeout=lsnet.DEFAULT_TIMEOUT)
        assert r.returncode == 0 and not lsnet.has_sanitizer_report(r.stdout), \
            f"$ {command}\n{r.stdout}"
        assert shape(expected).fullmatch(r.stdout), \
            f"$ {command}\n--- documented:\n" + "\n".join(expected) + f"\n--- got:\n{r.stdout}"
