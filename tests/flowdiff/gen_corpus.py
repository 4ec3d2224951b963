"""Generates the deterministic corpus of flows for the differential test.

Usage: gen_corpus.py [SEED] prints one flow per line. The corpus mixes fixed flows (the
README-lisp ones, the ARP responder idiom, syntax corner cases) with random flows built from
every match field and action lispswitch supports: random values and masks, random field order,
separators and key:value/key=value spelling, prerequisites present or missing, and broken values.
"""
import random
import sys

README_LISP = [
    "priority=3,dl_dst=02:00:00:00:00:00,action=mod_dl_dst:00:00:00:00:00:01,output:1",
    "priority=2,in_port=1,dl_type=0x0806,action=NORMAL",
    "priority=1,in_port=1,dl_type=0x0800,vlan_tci=0,nw_src=10.1.1.0/24,"
    "action=set_field:192.168.0.2->tun_dst,output:3",
    "priority=0,action=NORMAL",
    "action=set_tunnel:42",
]

ARP_RESPONDER = (
    "priority=10,arp,arp_op=1,arp_tpa=10.0.0.1,actions="
    "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],mod_dl_src:02:00:00:00:00:01,"
    "load:0x2->NXM_OF_ARP_OP[],move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
    "load:0x020000000001->NXM_NX_ARP_SHA[],move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],"
    "load:0xa000001->NXM_OF_ARP_SPA[],in_port")

FIXED = README_LISP + [ARP_RESPONDER] + [
    "", "actions=drop", "actions=", "priority=5", "ip", "ip,actions=drop,output:1",
    "ip nw_src=1.2.3.4 actions=drop", " ip , actions = drop", "ip,,nw_src=1.2.3.4,actions=drop",
    "ip,nw_src:1.2.3.4,actions=drop", "priority:5,actions=drop", "IP,actions=drop",
    "ip,actions=DROP", "ip,actions=Output:1", "actions=output(port=1)", "actions:drop",
    "ip,actions drop", "ip=1,actions=drop", "foo=1,actions=drop", "actions=bar",
    "actions=output:1 output:2", "actions=output:1,,output:2", "actions=resubmit(1,2",
    "table=255,actions=drop", "table=256,actions=drop", "cookie=0xffffffffffffffff,actions=drop",
    "cookie=5/0xff,actions=drop", "priority=65536,actions=drop", "in_port=0xfff8,actions=drop",
    "in_port=65535,actions=drop", "in_port=local,actions=drop", "in_port=ANY,actions=drop",
    "dl_vlan=0xffff,actions=drop", "dl_vlan=4096,actions=drop", "dl_vlan_pcp=8,actions=drop",
    "vlan_tci=0x10000,actions=drop", "ip,nw_proto=6/0xff,actions=drop",
    "ip,nw_proto=6/0xf0,actions=drop", "actions=goto_table:2,output:1",
    "actions=output:1,goto_table:2", "actions=note:a", "actions=note:01.02.0304",
    "actions=resubmit(,255)", "actions=set_field:5->vlan_vid", "actions=mod_vlan_vid:4096",
    "actions=mod_nw_tos:5", "ipv6,actions=set_field:::1->ipv6_src",
    "actions=move:NXM_OF_ETH_SRC[]->NXM_OF_IP_SRC[]", "actions=load:0x1ff->NXM_OF_IP_PROTO[]",
    "actions=load:0xff->NXM_OF_ETH_SRC[50]", "actions=set_tunnel:0x1234567890",
    "actions=set_tunnel64:5", "tun_id=0x1234567890abcdef,actions=set_tunnel:0xffffffffffffffff",
    "actions=push_vlan:0x8100,output:1", "actions=push_vlan:0x1234",
    "ip,nw_src= 1.2.3.4,actions=drop", "ip,nw_src =1.2.3.4,actions=drop", "ip actions =drop",
    "actions=note: output:1", "actions=output: 1",
]

MACS = ["00:00:00:00:00:01", "02:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:fb"]
BAD = {"mac": ["02:00:00:00:00", "02:00:00:00:00:0g", "1:2:3:4:5:6:7"],
       "ipv4": ["10.0.0", "10.0.0.1/33", "1.2.3.4/255.255.0", "10.0.0.1.2"],
       "ipv6": ["2001:db8::1::2", "2001:db8::/129", "fe80::g"],
       "int": ["-1", "1e3", "0x1g", "99999999999999999999"]}


def rand_mac(r):
    return ":".join("%02x" % r.randrange(256) for _ in range(6))


def rand_ipv4(r):
    return ".".join(str(r.randrange(256)) for _ in range(4))


def rand_ipv6(r):
    return ":".join("%x" % r.randrange(0x10000) if r.random() < 0.7 else "0"
                    for _ in range(8))


def masked(r, value, masks):
    return value if r.random() < 0.5 else value + "/" + r.choice(masks)


def ipv4_value(r):
    masks = [str(r.randrange(33)), rand_ipv4(r), "255.255.255.0", "255.0.255.0"]
    return masked(r, rand_ipv4(r), masks)


def ipv6_value(r):
    masks = [str(r.randrange(129)), "ffff:ffff::", rand_ipv6(r)]
    return masked(r, rand_ipv6(r), masks)


def mac_value(r):
    masks = ["ff:ff:ff:ff:ff:00", "01:00:00:00:00:00", rand_mac(r), "ff:ff:ff:ff:ff:ff"]
    return masked(r, r.choice(MACS + [rand_mac(r)]), masks)


def int_value(r, bits, maskable, hexa=False):
    v = r.randrange(1 << bits)
    text = "0x%x" % v if hexa or r.random() < 0.3 else str(v)
    if maskable and r.random() < 0.4:
        text += "/0x%x" % r.choice([(1 << bits) - 1, r.randrange(1 << bits),
                                    ((1 << bits) - 1) & ~0xf])
    return text


def vlan_tci_value(r):
    tci = r.choice([0, 0x1000 | r.randrange(0x1000) | (r.randrange(8) << 13)])
    if r.random() < 0.5:
        return "0x%04x" % tci
    return "0x%04x/0x%04x" % (tci, r.choice([0xffff, 0x1fff, 0xf000, 0x1000, 0xefff, 0x0fff]))


# field name -> (value generator, protocol keywords that satisfy its prerequisite).
FIELDS = {
    "in_port": (lambda r: r.choice([str(r.randrange(1, 100)), "LOCAL", "65279", "p0rt"]), []),
    "dl_src": (mac_value, []), "eth_src": (mac_value, []),
    "dl_dst": (mac_value, []), "eth_dst": (mac_value, []),
    "dl_type": (lambda r: r.choice(["0x0800", "0x0806", "0x86dd", "0x8035", "0x1234"]), []),
    "vlan_tci": (vlan_tci_value, []),
    "dl_vlan": (lambda r: str(r.randrange(4096)), []),
    "dl_vlan_pcp": (lambda r: str(r.randrange(8)), []),
    "nw_src": (ipv4_value, ["ip", "arp"]), "nw_dst": (ipv4_value, ["ip", "arp"]),
    "ip_src": (ipv4_value, ["ip"]), "ipv4_dst": (ipv4_value, ["ip"]),
    "arp_spa": (ipv4_value, ["arp"]), "arp_tpa": (ipv4_value, ["arp"]),
    "nw_proto": (lambda r: str(r.choice([1, 2, 6, 17, 47, 58, 132, r.randrange(256)])),
                 ["ip", "ipv6"]),
    "nw_tos": (lambda r: str(r.randrange(64) * 4), ["ip", "ipv6"]),
    "ip_dscp": (lambda r: str(r.randrange(64)), ["ip", "ipv6"]),
    "nw_ttl": (lambda r: str(r.randrange(256)), ["ip", "ipv6"]),
    "tp_src": (lambda r: int_value(r, 16, True), ["tcp", "udp", "sctp", "tcp6", "udp6"]),
    "tp_dst": (lambda r: int_value(r, 16, True), ["tcp", "udp", "sctp", "tcp6", "udp6"]),
    "tcp_src": (lambda r: int_value(r, 16, True), ["tcp"]),
    "udp_dst": (lambda r: int_value(r, 16, True), ["udp"]),
    "icmp_type": (lambda r: str(r.randrange(256)), ["icmp", "icmp6"]),
    "icmp_code": (lambda r: str(r.randrange(256)), ["icmp", "icmp6"]),
    "arp_op": (lambda r: str(r.randrange(1, 3)), ["arp"]),
    "arp_sha": (mac_value, ["arp"]), "arp_tha": (mac_value, ["arp"]),
    "ipv6_src": (ipv6_value, ["ipv6"]), "ipv6_dst": (ipv6_value, ["ipv6"]),
    "tun_id": (lambda r: int_value(r, r.choice([24, 32, 64]), True, True), []),
    "tun_src": (ipv4_value, []), "tun_dst": (ipv4_value, []),
    "tun_ipv6_src": (ipv6_value, []), "tun_ipv6_dst": (ipv6_value, []),
}

KEYWORDS = ["ip", "ipv6", "arp", "rarp", "icmp", "icmp6", "tcp", "udp", "sctp", "tcp6", "udp6"]


def nxm_sub(r, name, bits):
    if r.random() < 0.6:
        return name + "[]"
    lo = r.randrange(bits)
    hi = r.randrange(lo, bits)
    return "%s[%d]" % (name, lo) if lo == hi else "%s[%d..%d]" % (name, lo, hi)


NXM = [("NXM_OF_ETH_SRC", 48), ("NXM_OF_ETH_DST", 48), ("NXM_OF_ETH_TYPE", 16),
       ("NXM_OF_VLAN_TCI", 16), ("NXM_OF_IP_SRC", 32), ("NXM_OF_IP_DST", 32),
       ("NXM_OF_IP_PROTO", 8), ("NXM_OF_TCP_SRC", 16), ("NXM_OF_TCP_DST", 16),
       ("NXM_OF_UDP_SRC", 16), ("NXM_OF_UDP_DST", 16), ("NXM_OF_ARP_OP", 16),
       ("NXM_OF_ARP_SPA", 32), ("NXM_OF_ARP_TPA", 32), ("NXM_NX_ARP_SHA", 48),
       ("NXM_NX_ARP_THA", 48), ("NXM_NX_TUN_ID", 64), ("NXM_NX_TUN_IPV4_SRC", 32),
       ("NXM_NX_TUN_IPV4_DST", 32), ("NXM_OF_IN_PORT", 16), ("NXM_NX_IPV6_SRC", 128),
       ("NXM_NX_IPV6_DST", 128), ("eth_src", 48), ("eth_dst", 48)]

SETTABLE = {
    "dl_src": mac_value, "eth_dst": mac_value, "nw_src": rand_ipv4, "ip_dst": rand_ipv4,
    "ipv6_src": rand_ipv6, "ipv6_dst": rand_ipv6, "tp_src": lambda r: str(r.randrange(65536)),
    "tcp_dst": lambda r: str(r.randrange(65536)), "udp_src": lambda r: str(r.randrange(65536)),
    "nw_tos": lambda r: str(r.randrange(64) * 4), "ip_dscp": lambda r: str(r.randrange(64)),
    "nw_ttl": lambda r: str(r.randrange(256)), "vlan_vid": lambda r: str(r.randrange(4096)),
    "arp_op": lambda r: str(r.randrange(1, 3)), "arp_spa": rand_ipv4, "arp_tpa": rand_ipv4,
    "arp_sha": rand_mac, "arp_tha": rand_mac,
    "tun_id": lambda r: int_value(r, r.choice([24, 64]), True, True),
    "tun_src": rand_ipv4, "tun_dst": rand_ipv4, "tun_ipv6_src": rand_ipv6,
    "tun_ipv6_dst": rand_ipv6, "in_port": lambda r: str(r.randrange(1, 100)),
}


def rand_action(r):
    kind = r.randrange(16)
    if kind == 0:
        return r.choice(["output:%d" % r.randrange(100), str(r.randrange(1, 100)), "in_port",
                         "LOCAL", "NORMAL", "FLOOD", "ALL", "output:LOCAL", "output:nosuch"])
    if kind == 1:
        return "mod_dl_%s:%s" % (r.choice(["src", "dst"]), rand_mac(r))
    if kind == 2:
        return "mod_nw_%s:%s" % (r.choice(["src", "dst"]), rand_ipv4(r))
    if kind == 3:
        return "mod_tp_%s:%d" % (r.choice(["src", "dst"]), r.randrange(65536))
    if kind == 4:
        return r.choice(["mod_nw_tos:%d" % (r.randrange(64) * 4), "dec_ttl", "strip_vlan",
                         "mod_vlan_vid:%d" % r.randrange(4096),
                         "mod_vlan_pcp:%d" % r.randrange(8)])
    if kind in (5, 6):
        field = r.choice(sorted(SETTABLE))
        return "set_field:%s->%s" % (SETTABLE[field](r), field)
    if kind == 7:
        return r.choice(["set_tunnel:%d" % r.randrange(1 << 24),
                         "set_tunnel:0x%x" % r.randrange(1 << 64),
                         "set_tunnel64:0x%x" % r.randrange(1 << 40)])
    if kind in (8, 9):
        name, bits = r.choice(NXM)
        sub = nxm_sub(r, name, bits)
        return "load:0x%x->%s" % (r.randrange(1 << min(bits, 16)), sub)
    if kind in (10, 11):
        (a, abits), (b, bbits) = r.choice(NXM), r.choice(NXM)
        if r.random() < 0.7:
            b, bbits = r.choice([n for n in NXM if n[1] == abits])
        return "move:%s[]->%s[]" % (a, b)
    if kind == 12:
        return r.choice(["resubmit(,%d)" % r.randrange(255),
                         "resubmit(%d,%d)" % (r.randrange(1, 100), r.randrange(255)),
                         "resubmit:%d" % r.randrange(1, 100), "resubmit(LOCAL,%d)" % r.randrange(9)])
    if kind == 13:
        return "note:" + "".join("%02x" % r.randrange(256) for _ in range(r.randrange(12)))
    if kind == 14:
        return r.choice(["push_vlan:0x8100", "push_vlan:0x88a8"])
    return r.choice(["drop", "bogus_action", "output:", "load:1->NXM_BOGUS[]"])


def rand_match_items(r):
    items = []
    names = r.sample(sorted(FIELDS), r.randrange(0, 5))
    for name in names:
        gen, keywords = FIELDS[name]
        if keywords and r.random() < 0.8:
            items.append(r.choice(keywords))
        items.append((name, gen(r)))
    if r.random() < 0.3:
        items.append(r.choice(KEYWORDS))
    if r.random() < 0.5:
        items.append(("priority", str(r.choice([0, 1, 100, 32768, 65535, r.randrange(65536)]))))
    for key, gen in (("table", lambda: str(r.randrange(256))),
                     ("cookie", lambda: "0x%x" % r.randrange(1 << 64)),
                     ("idle_timeout", lambda: str(r.randrange(3600))),
                     ("hard_timeout", lambda: str(r.randrange(3600)))):
        if r.random() < 0.12:
            items.append((key, gen()))
    r.shuffle(items)
    return items


def corrupt(r, items):
    """Replaces one value with a broken one of the same kind."""
    for i, item in enumerate(items):
        if isinstance(item, tuple) and r.random() < 0.5:
            name, value = item
            kind = ("mac" if ":" in value and "." not in value and len(value) >= 17 else
                    "ipv6" if ":" in value else "ipv4" if "." in value else "int")
            items[i] = (name, r.choice(BAD[kind][1:] if name == "cookie" else BAD[kind]))
            return
    items.append(("nosuchfield", "1"))


def render(r, items, actions):
    sep = r.choice([",", ",", ", ", " "])
    parts = [i if isinstance(i, str) else i[0] + r.choice("==:") + i[1] for i in items]
    acts = r.choice([",", ",", " "]).join(actions)
    return sep.join(parts + ["%s=%s" % (r.choice(["actions", "actions", "action"]), acts)])


def rand_flow(r):
    items = rand_match_items(r)
    if r.random() < 0.12:
        corrupt(r, items)
    actions = [rand_action(r) for _ in range(r.choice([0, 1, 1, 2, 3, 4]))]
    return render(r, items, actions)


def corpus(seed=20240611, n_random=700):
    r = random.Random(seed)
    return FIXED + [rand_flow(r) for _ in range(n_random)]


if __name__ == "__main__":
    for flow in corpus(*(int(a) for a in sys.argv[1:2])):
        print(flow)
