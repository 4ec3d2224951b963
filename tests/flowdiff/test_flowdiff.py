"""Differential test: lispswitch's flow parser/printer (flowtext) against ovs-ofctl parse-flow.

The comparison rules, including every case where a difference is expected, are in oracle.py.
Needs LISPSWITCH_BUILD (the meson build directory; default ./build). Skipped only when
ovs-ofctl is not installed.
"""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import gen_corpus  # noqa: E402
import oracle  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("ovs-ofctl") is None and
                                not os.path.exists(oracle.OVS_OFCTL),
                                reason="ovs-ofctl is not installed")


@pytest.fixture(scope="module")
def results():
    flows = gen_corpus.corpus()
    return list(zip(flows, oracle.ovs_parse_all(flows), oracle.ours_parse_all(flows)))


def test_corpus_is_large_and_mixed(results):
    assert len(results) >= 600
    ovs_statuses = {ovs[0] for _, ovs, _ in results}
    assert {"ok", "err", "dropped", "of13-ok"} <= ovs_statuses


def test_readme_lisp_flows_accepted(results):
    by_flow = {flow: ours for flow, _, ours in results}
    for flow in gen_corpus.README_LISP + [gen_corpus.ARP_RESPONDER]:
        assert by_flow[flow][0], (flow, by_flow[flow])


def test_prerequisite_refusals_are_exactly_ovs_drops(results):
    problems = [(f, o, u) for f, o, u in results
                if (o[0] in ("dropped", "of13-dropped")) != (not u[0] and ": needs " in u[1])
                and o[0] not in ("err", "of13-err", "decode-err", "of13-decode-err")]
    assert not problems, "\n".join(map(repr, problems[:20]))


def test_same_decisions_and_text(results):
    problems = []
    for flow, ovs, ours in results:
        problem = oracle.compare(flow, ovs, ours)
        if problem:
            problems.append("%s\n    %s" % (flow, problem))
    assert not problems, "%d mismatches:\n%s" % (len(problems), "\n".join(problems[:30]))
