"""Draws bench/results/latest.png from latest.json: one panel per figure, one bar per set-up
(median, whiskers from min to max), lispswitch's ratio to each other set-up in each panel's
title, and whether higher or lower is better."""
import json
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"lispswitch": "#1f77b4", "lispswitch-poll": "#17becf", "ovs": "#ff7f0e",
          "ovs-afxdp": "#d62728", "kernel": "#7f7f7f"}
SHORT = {"lispswitch": "lispswitch", "lispswitch-poll": "lsw poll", "ovs": "OVS",
         "ovs-afxdp": "OVS XDP", "kernel": "kernel"}
TAG = {"ovs": "OVS", "ovs-afxdp": "XDP", "kernel": "kern"}


def draw(src, dst):
    d = json.loads(open(src).read())
    summary, metrics, ratios = d["summary"], d["metrics"], d["ratios"]
    setups = list(summary)
    keys = list(metrics)
    cols = 4
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.8 * rows))
    axes = axes.flatten()
    for ax, key in zip(axes, keys):
        m = metrics[key]
        names, med, lo, hi = [], [], [], []
        for s in setups:
            v = summary[s].get(key)
            if not v:
                continue
            names.append(s)
            med.append(v["median"])
            lo.append(v["median"] - v["min"])
            hi.append(v["max"] - v["median"])
        bars = ax.bar([SHORT.get(n, n) for n in names], med, yerr=[lo, hi], capsize=4,
                      color=[COLORS.get(n, "#2ca02c") for n in names])
        for b, v, h in zip(bars, med, hi):
            ax.annotate(f"{v:.3g}", (b.get_x() + b.get_width() / 2, b.get_height() + h),
                        ha="center", va="bottom", fontsize=9, xytext=(0, 2),
                        textcoords="offset points")
        rat = {}
        for pair, figures in ratios.items():
            mine, other = pair.split("/")
            if figures.get(key) is not None:
                rat.setdefault(mine, []).append(f"{figures[key]:.2f}x {TAG.get(other, other)}")
        ax.set_title(f"{m['label']} ({m['unit']}), "
                     f"{'higher' if m['higher'] else 'lower'} is better"
                     + "".join(f"\n{SHORT.get(s, s)} = {', '.join(r)}" for s, r in rat.items()),
                     fontsize=8)
        ax.set_ylim(0, max([m + h for m, h in zip(med, hi)] + [0]) * 1.2 + 1e-9)
        ax.tick_params(labelsize=9)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(keys):]:
        ax.axis("off")
    if len(keys) < len(axes):
        meta = d["meta"]
        axes[-1].text(0, 0.9, f"{meta['date']}\n{meta['machine']}\n"
                      f"median of {meta['reps']}, whiskers min-max\n"
                      "set-ups alternating in one run", fontsize=9, va="top")
    fig.suptitle("lispswitch vs OVS 3.1 userspace (AF_PACKET, AF_XDP) vs kernel VXLAN-GPE "
                 "(README-lisp scenario 1, namespaces)", fontsize=12)
    fig.tight_layout()
    fig.savefig(dst, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    draw(sys.argv[1], sys.argv[2])
