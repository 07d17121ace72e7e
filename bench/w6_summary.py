#!/usr/bin/env python3
"""Summarises the last `cargo bench --bench w6_hessian` run (target/criterion/W6*): per
contender the median over rounds of criterion's median, and each ratio as the median over
rounds of the ratio within a round (as bench/report.py does for W1-W3); and how many times
faster `ours` is than `num_dual`, the same way."""
import json, os, re, statistics, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion")
rows = {}  # (workload, contender) -> {round: ns}
for group in sorted(os.listdir(ROOT)):
    m = re.fullmatch(r"(W6[abc])(?:_r(\d+))?", group)
    if not m:
        continue
    workload, rnd = m.group(1), int(m.group(2) or 1)
    for contender in os.listdir(os.path.join(ROOT, group)):
        path = os.path.join(ROOT, group, contender, "new", "estimates.json")
        if os.path.exists(path):
            ns = json.load(open(path))["median"]["point_estimate"]
            rows.setdefault((workload, contender), {})[rnd] = ns

def fmt(ns):
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.1f} ns"

def ratio(a, b):
    """The median over rounds of a's time over b's, within each round."""
    return statistics.median(a[r] / b[r] for r in a if r in b)

UNIT = {"W6a": "hand", "W6b": "gradient", "W6c": "gradient"}
for workload in ("W6a", "W6b", "W6c"):
    unit = UNIT[workload]
    print(f"### {workload} (ratio to `{unit}`)\n")
    print("| contender | median | ratio |\n| --- | --- | --- |")
    for (w, contender), by_round in sorted(rows.items()):
        if w != workload:
            continue
        print(f"| {contender} | {fmt(statistics.median(by_round.values()))} | "
              f"{ratio(by_round, rows[(workload, unit)]):.2f}× |")
    peer, ours = rows.get((workload, "num_dual")), rows.get((workload, "ours"))
    if peer and ours:
        print(f"\nours is {ratio(peer, ours):.1f}× faster than num-dual")
    print()
