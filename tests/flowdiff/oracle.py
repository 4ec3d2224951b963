"""Runs flows through 'ovs-ofctl parse-flow' and lispswitch's 'flowtext' and compares them.

Comparison rules (docs/flows.md explains the differences):
  * Same accept/reject decision, except that where OVS accepts a flow but logs "normalization
    changed" (it silently dropped a field whose prerequisite was missing), lispswitch must
    refuse it with a prerequisite error ("...: needs ..."), and lispswitch may refuse with a
    prerequisite error only in exactly those cases.
  * Flows that OVS cannot send with its default protocol, OpenFlow 1.0 + Nicira extensions
    ("no usable protocol": push_vlan needs OpenFlow 1.1+), are run again with -O OpenFlow13,
    and only the accept/reject decision is compared: OVS prints OpenFlow 1.3 forms there
    (set_field instead of mod_*/load, pop_vlan, vlan_vid matches) while lispswitch keeps
    printing the OpenFlow 1.0 forms that default ovs-ofctl prints.
  * Both accepted: the text after "ADD " must be identical (match, table, cookie, timeouts
    and actions), except that OpenFlow 1.0 rewrites an exact vlan_tci with the CFI bit clear
    and nonzero (a match no packet can hit) to vlan_tci=0x0000; when OVS chose plain
    OpenFlow10 for such a match, only the actions are compared.
"""
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

OVS_OFCTL = shutil.which("ovs-ofctl") or "/usr/bin/ovs-ofctl"
_ADD = re.compile(r"^\S+ \(.*?\): ADD (.*)$")


def flowtext_path():
    build = os.environ.get("LISPSWITCH_BUILD", os.path.join(os.path.dirname(__file__),
                                                            "..", "..", "build"))
    return os.path.join(build, "tests", "flowdiff", "flowtext")


def ovs_parse(flow, version=None):
    """Returns (status, text, protocol): status 'ok', 'dropped', 'noproto' or 'err'."""
    cmd = [OVS_OFCTL]
    if version:
        cmd += ["-O", version]
    cmd += ["parse-flow", flow]
    p = subprocess.run(cmd, capture_output=True, text=True)
    out = p.stdout + p.stderr
    if p.returncode != 0:
        if "no usable protocol" in out:
            return "noproto", out.strip(), None
        return "err", out.strip().splitlines()[-1] if out.strip() else "", None
    proto = re.search(r"^chosen protocol: (\S+)", out, re.M)
    texts = [m.group(1) for m in map(_ADD.match, out.splitlines()) if m]
    if "decode error" in out:
        # OVS accepted the text but could not decode what it encoded (a load into a
        # read-only field): the flow would be refused by a switch.
        return "decode-err", out.strip().splitlines()[-1], None
    status = "dropped" if "normalization changed" in out else "ok"
    return status, texts[0] if texts else "", proto.group(1) if proto else None


def ovs_parse_all(flows):
    def one(flow):
        r = ovs_parse(flow)
        if r[0] == "noproto":
            r13 = ovs_parse(flow, "OpenFlow13")
            return ("of13-" + r13[0],) + r13[1:]
        return r
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as ex:
        return list(ex.map(one, flows))


def ours_parse_all(flows):
    """Returns [(ok, text)] from one run of flowtext over all flows."""
    p = subprocess.run([flowtext_path()], input="".join(f + "\n" for f in flows),
                       capture_output=True, text=True, check=True)
    lines = p.stdout.splitlines()
    assert len(lines) == len(flows), "flowtext printed %d lines for %d flows" % (
        len(lines), len(flows))
    return [(l.startswith("OK "), l[3:] if l.startswith("OK ") else l[4:]) for l in lines]


def _split(text):
    pre, _, acts = text.partition("actions=")
    return pre.rstrip(), acts


_OF10_ONLY = re.compile(r"\b(mod_nw_src|mod_nw_dst|mod_nw_tos|mod_tp_src|mod_tp_dst|dec_ttl)\b")
_VLAN_TCI = re.compile(r"vlan_tci=0x[0-9a-f]{4}(/0x[0-9a-f]{4})?")


def _of10_vlan_quirk(proto, ovs_pre, our_pre):
    """OpenFlow 1.0 can only say "no tag", so OVS turns a vlan_tci match with the CFI bit
    clear into vlan_tci=0x0000 when it picks plain OpenFlow10 (not NXM) for the flow."""
    return (proto or "").startswith("OpenFlow10") and \
        _VLAN_TCI.sub("vlan_tci=0x0000", our_pre, count=1) == ovs_pre


_ICMP = re.compile(r"(icmp_type|icmp_code)=(\d+)")


def _of10_icmp_width(proto, ovs_pre, our_pre):
    """KNOWN_ICMP_WIDTH: under plain OpenFlow10 OVS keeps a 16-bit port value given to an
    ICMP flow (tp_src=20827 prints icmp_type=20827); under NXM, and in lispswitch, ICMP type
    and code are one byte (icmp_type=91)."""
    low = lambda m: "%s=%d" % (m.group(1), int(m.group(2)) & 0xff)
    return (proto or "").startswith("OpenFlow10") and _ICMP.sub(low, ovs_pre) == our_pre


def compare(flow, ovs, ours):
    """Returns a problem description, or None if 'ours' agrees with 'ovs' for 'flow'."""
    status, text, proto = ovs
    ok, our_text = ours
    prereq_refusal = not ok and ": needs " in our_text
    if status in ("err", "of13-err", "decode-err", "of13-decode-err") and not ok:
        return None
    if status == "of13-decode-err":
        # Known: KNOWN_OF13_DECODE in the module docstring.
        return None
    if status in ("dropped", "of13-dropped"):
        if not prereq_refusal:
            return "OVS dropped a field (prerequisite), we did not refuse: %r" % (our_text,)
        return None
    if prereq_refusal:
        return "we refused for a prerequisite but OVS did not drop a field: %r" % (text,)
    if "OFPBAC_MATCH_INCONSISTENT" in text and ok and _OF10_ONLY.search(our_text):
        # Known: see KNOWN_OF10_ONLY in the module docstring.
        return None
    ovs_ok = status in ("ok", "of13-ok")
    if ovs_ok != ok:
        return "accept/reject differs: OVS %s %r, ours %r" % (status, text, our_text)
    if not ok or status.startswith("of13-"):
        return None
    (ovs_pre, ovs_acts), (our_pre, our_acts) = _split(text), _split(our_text)
    if ovs_pre != our_pre and not _of10_vlan_quirk(proto, ovs_pre, our_pre) and \
            not _of10_icmp_width(proto, ovs_pre, our_pre):
        return "match differs: OVS %r, ours %r" % (ovs_pre, our_pre)
    if ovs_acts != our_acts:
        return "actions differ: OVS %r, ours %r" % (ovs_acts, our_acts)
    return None


def main(argv):
    flows = argv or [l.rstrip("\n") for l in sys.stdin]
    for flow, o, u in zip(flows, ovs_parse_all(flows), ours_parse_all(flows)):
        problem = compare(flow, o, u)
        print("%s %s\n    ovs:  %s %s\n    ours: %s" % ("FAIL" if problem else "ok  ", flow,
              o[0], o[1], ("OK " if u[0] else "ERR ") + u[1]))
        if problem:
            print("    -> " + problem)


if __name__ == "__main__":
    main(sys.argv[1:])
