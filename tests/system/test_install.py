"""
make install: the programs, man pages, systemd unit and bash completion land where they
should, the unit passes systemd-analyze verify, the man pages render without a warning, and
lispctl's help and completion cover every verb of the verb table.

The tree is installed for real into a temporary prefix (its own small build of the two
programs), because systemd-analyze verify checks that ExecStart names an existing program.
"""
import os
import shutil
import subprocess

import pytest

import lsnet

MAN_PAGES = ["lispswitchd.8", "lispctl.8"]


def sh(*cmd, env=None, check=True):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=300,
                       env=env)
    if check:
        assert r.returncode == 0, f"{cmd}: {r.stderr}"
    return r


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    top = tmp_path_factory.mktemp("install")
    build, usr = top / "build", top / "usr"
    sh("meson", "setup", build, lsnet.REPO, f"--prefix={usr}", "--buildtype=plain")
    sh("ninja", "-C", build, "src/daemon/lispswitchd", "src/ctl/lispctl")
    sh("meson", "install", "-C", build, "--no-rebuild")
    yield usr
    shutil.rmtree(top, ignore_errors=True)


def verbs(prefix):
    """[(verb, usage)] as lispctl --list-verbs prints them."""
    out = sh(prefix / "bin/lispctl", "--list-verbs").stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


def test_installed_files(prefix):
    for path in ["bin/lispctl", "sbin/lispswitchd", "share/man/man8/lispswitchd.8",
                 "share/man/man8/lispctl.8", "lib/systemd/system/lispswitchd.service",
                 "share/bash-completion/completions/lispctl"]:
        assert (prefix / path).is_file(), path


def test_unit_verifies(prefix):
    unit = prefix / "lib/systemd/system/lispswitchd.service"
    text = unit.read_text()
    assert f"ExecStart={prefix}/sbin/lispswitchd --detach --rundir /run/lispswitch " \
           "--dbdir /var/lib/lispswitch " in text
    assert "PIDFile=/run/lispswitch/lispswitchd.pid" in text
    assert "RuntimeDirectory=lispswitch\n" in text and "StateDirectory=lispswitch\n" in text
    # Its Documentation= man pages are looked up too: they are in the prefix.
    env = dict(os.environ, MANPATH=f"{prefix}/share/man:", SYSTEMD_LOG_LEVEL="notice")
    r = sh("systemd-analyze", "verify", unit, env=env, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("page", MAN_PAGES)
def test_man_page_renders_without_warnings(prefix, page):
    path = prefix / "share/man/man8" / page
    r = sh("mandoc", "-T", "lint", "-W", "warning", path, check=False)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = sh("man", "--warnings", "-l", path, env=dict(os.environ, MANWIDTH="80"))
    assert r.stderr == ""
    assert page.split(".")[0].upper() in r.stdout


def test_man_page_and_help_cover_every_verb(prefix):
    ctl = prefix / "bin/lispctl"
    page = sh("man", "-l", prefix / "share/man/man8/lispctl.8",
              env=dict(os.environ, MANWIDTH="200")).stdout
    usage = sh(ctl, "--help").stdout
    for verb, args in verbs(prefix):
        assert verb in page, verb
        assert f"  {verb} " in usage, verb
        out = sh(ctl, verb, "--help").stdout
        assert out.splitlines()[0] == f"usage: lispctl {verb} {args}".rstrip(), verb


def complete(prefix, line, env):
    """What bash completion offers at the end of 'line'."""
    script = (f"source {prefix}/share/bash-completion/completions/lispctl\n"
              f"COMP_WORDS=({line}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n"
              "_lispctl; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    return sorted(sh("bash", "-c", script, env=env).stdout.split())


def test_bash_completion(prefix, lab):
    hv = lab.netns("hv")
    d = lab.daemon(hv)
    d.ctl("add-br", "br0")
    hv.ip("link", "add", "p1", "type", "veth", "peer", "name", "p1b")
    d.ctl("add-port", "br0", "p1")
    env = dict(os.environ, PATH=f"{prefix}/bin:{os.environ['PATH']}",
               LISPSWITCH_RUNDIR=str(d.rundir))
    # Completion runs lispctl in the daemon's namespace, as a shell there would.
    env["BASH_ENV"] = ""
    wrap = lambda line: complete(prefix, line, env)
    assert wrap("lispctl dump-") == ["dump-drops", "dump-flows", "dump-ports", "dump-tables"]
    assert set(wrap("lispctl ''")) == {v for v, _ in verbs(prefix)}
    ns_env = dict(env)
    ns_run = ["ip", "netns", "exec", hv.name, "bash", "-c"]
    script = (f"source {prefix}/share/bash-completion/completions/lispctl\n"
              "COMP_WORDS=(lispctl dump-ports ''); COMP_CWORD=2; _lispctl; echo ${COMPREPLY[@]}\n"
              "COMP_WORDS=(lispctl capture ''); COMP_CWORD=2; _lispctl; echo ${COMPREPLY[@]}\n"
              "COMP_WORDS=(lispctl dump-ports br0 ''); COMP_CWORD=3; _lispctl; "
              "echo ${COMPREPLY[@]}\n")
    out = sh(*ns_run, script, env=ns_env).stdout.splitlines()
    assert out == ["br0", "br0 p1", "br0 p1"]
