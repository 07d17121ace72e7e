#!/usr/bin/env python3
"""The runtime's losses, old (hand-written) against new (grad!), as Markdown, from criterion's
results in target/criterion (groups `loss_KIND_TY_nN`, each round `_rK` after the first, written
by `cargo bench --bench losses`).

`new` is the `grad!` block kernel: `nn::loss::mse` for MSE, the rejected candidate `bce_block`
(defined in the bench) for BCE; softmax CE has none. Per contender: the median over rounds of criterion's median, and the ratio to `old` as the
median of the ratios within a round, with the largest of those ratios after a slash.

    cargo bench --bench losses
    python3 bench/losses_table.py
"""

import json
import os
import re
import statistics

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRIT = os.path.join(ROOT, "target", "criterion")
KINDS = [("mse", "MSE"), ("bce", "BCE with logits"), ("sce", "softmax CE, 8 classes")]
LENGTHS = [16, 1024, 65536]
CONTENDERS = ["old", "new", "slice_into"]


def fmt(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def rounds(group):
    """{round: {contender: median ns}} of a group."""
    out = {}
    if not os.path.isdir(CRIT):
        return out
    for d in os.listdir(CRIT):
        m = re.fullmatch(re.escape(group) + r"(?:_r(\d+))?", d)
        if not m:
            continue
        r = int(m.group(1) or 1)
        for cid in os.listdir(os.path.join(CRIT, d)):
            f = os.path.join(CRIT, d, cid, "new", "estimates.json")
            if os.path.exists(f):
                out.setdefault(r, {})[cid] = json.load(open(f))["median"]["point_estimate"]
    return out


def main():
    print("| loss | type | n | old | new | new / old | slice_into | slice_into / old |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, label in KINDS:
        for ty in ("f64", "f32"):
            for n in LENGTHS:
                rs = rounds(f"loss_{kind}_{ty}_n{n}")
                if not rs:
                    continue
                row = [label, ty, f"{n:,}"]
                for cid in CONTENDERS:
                    vals = [r[cid] for r in rs.values() if cid in r]
                    if not vals:
                        row += ["—"] if cid == "old" else ["—", "—"]
                        continue
                    row.append(fmt(statistics.median(vals)))
                    if cid != "old":
                        ratios = [r[cid] / r["old"] for r in rs.values() if cid in r and "old" in r]
                        row.append(f"{statistics.median(ratios):.2f} / {max(ratios):.2f}")
                print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
