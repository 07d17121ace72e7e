#!/usr/bin/env python3
"""W5 of issue 15 (arrays and loops) as Markdown, from criterion's results in target/criterion.

Reads the groups that `cargo bench --bench w5_loops` writes (W5a/N, W5b, W5c, W5d, each round
`_rK` after the first) and `W4_loops` of `cargo bench -p autograd-macros --bench expand`.
Per contender: the median over rounds of criterion's median, the fastest and slowest round, and
the ratio to the reference as the median of the ratios within a round (both sides of a ratio
ran seconds apart). Prints the section; with `--write FILE` also writes it there
(`bench/w5.md`, which `bench/report.py` puts into BENCHMARKS.md).

    W5_ROUNDS=3 cargo bench --bench w5_loops -- --warm-up-time 1 --measurement-time 3
    cargo bench -p autograd-macros --bench expand -- W4_loops --warm-up-time 1 --measurement-time 3
    python3 bench/w5_table.py --write bench/w5.md
"""

import json
import os
import re
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRIT = os.path.join(ROOT, "target", "criterion")


def fmt(ns):
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            v = ns / scale
            return f"{v:.3g} {unit}"
    return f"{ns:.3g} ns"


def rounds(group):
    """{round: {id: median ns}} for a group, from target/criterion/<group>[_rK]/<id>/new."""
    base = group.replace("/", "_")
    out = {}
    if not os.path.isdir(CRIT):
        return out
    for d in os.listdir(CRIT):
        m = re.fullmatch(re.escape(base) + r"(?:_r(\d+))?", d)
        if not m:
            continue
        r = int(m.group(1) or 1)
        for cid in os.listdir(os.path.join(CRIT, d)):
            f = os.path.join(CRIT, d, cid, "new", "estimates.json")
            if os.path.exists(f):
                out.setdefault(r, {})[cid] = json.load(open(f))["median"]["point_estimate"]
    return out


def stats(group, cid, ref):
    rs = rounds(group)
    vals = [r[cid] for r in rs.values() if cid in r]
    if not vals:
        return None
    ratios = [r[cid] / r[ref] for r in rs.values() if cid in r and ref in r]
    return {
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "ratio": statistics.median(ratios) if ratios else None,
        "rounds": len(vals),
    }


def ratio(group, a, b):
    """Median over rounds of a / b."""
    rs = rounds(group)
    rr = [r[a] / r[b] for r in rs.values() if a in r and b in r]
    return statistics.median(rr) if rr else None


def table(md, group, ref, rows, extra=None):
    md.append("| contender | median | fastest – slowest round | ratio to " + ref[1] + " |"
              + (f" {extra[0]} |" if extra else ""))
    md.append("| --- | --- | --- | --- |" + (" --- |" if extra else ""))
    for cid, label in rows:
        s = stats(group, cid, ref[0])
        if s is None:
            continue
        line = f"| {label} | {fmt(s['median'])} | {fmt(s['min'])} – {fmt(s['max'])} | {s['ratio']:.2f}× |"
        if extra:
            line += f" {extra[1](s['median'])} |"
        md.append(line)
    md.append("")


def run_line():
    """When the results were written (criterion's files), on which commit (`W5_COMMIT`, else
    HEAD) and anything to add about the machine (`W5_NOTE`)."""
    import datetime
    import subprocess
    times = []
    for root, _, files in os.walk(CRIT):
        rel = os.path.relpath(root, CRIT)
        if rel.startswith("W5") and "estimates.json" in files and root.endswith("new"):
            times.append(os.path.getmtime(os.path.join(root, "estimates.json")))
    if not times:
        return "Run: no results in target/criterion."
    t = lambda x: datetime.datetime.fromtimestamp(x, datetime.timezone.utc)
    commit = os.environ.get("W5_COMMIT") or subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    note = os.environ.get("W5_NOTE", "")
    return (f"Run: {t(min(times)):%Y-%m-%d %H:%M}–{t(max(times)):%H:%M} UTC, commit {commit}, "
            "`W5_ROUNDS=3 cargo bench --bench w5_loops -- --warm-up-time 1 --measurement-time 3`"
            + (f"; {note}" if note else "") + ".")


def main():
    md = []
    n_rounds = max((len(rounds(g)) for g in ("W5b", "W5c", "W5d")), default=0)
    md.append("## W5: arrays and loops (issue 15)\n")
    md.append(
        "Gradients of functions written with slices, arrays and `for` loops (DESIGN.md §2b), f64, "
        f"one thread, `benches/w5_loops.rs`, {n_rounds} rounds, each round starting with another "
        "contender. Before timing, every contender's value and gradient is checked against the "
        "hand-written one (1e-9 relative). Median: the median over rounds of criterion's median; "
        "ratio: the median over rounds of the ratio within a round.\n"
    )

    md.append(run_line() + "\n")
    md.append("### W5a: Rosenbrock over a slice\n")
    md.append(
        "`rosen_grad_into(&x, &mut g)` with one gradient reused across calls, against two "
        "hand-written loops: `fused` computes value and gradient in one pass and writes each "
        "`g[i]` once (the `g[i + 1]` term carried to the next iteration); `zero then +=` is W1b's "
        "hand-written gradient over a slice (`g.fill(0)`, then `g[i] += ..; g[i + 1] += ..`). "
        "`reverse`: the tape cleared and reused, `grad()` allocating its adjoints. num-dual: "
        "`num_dual::gradient` on a `DVector` (N tangents per value, O(N²); not run at 100,000). "
        "The row in italics is not a contender: the forward function alone.\n"
    )
    for n in (10, 1000, 100000):
        md.append(f"N = {n:,}:\n")
        table(md, f"W5a/{n}", ("hand", "fused"), [
            ("ours", "ours (`rosen_grad_into`)"),
            ("hand", "hand-written, fused"),
            ("hand_zeroed", "hand-written, zero then `+=`"),
            ("reverse", "`reverse` tape"),
            ("num_dual", "num-dual `gradient` (`DVector`)"),
            ("forward", "*`rosen` alone (value, no gradient)*"),
        ], ("ns / element", lambda ns, n=n: f"{ns / n:.2f}"))

    md.append("### W5b: least squares of a quadratic model, 1,000,000 samples\n")
    md.append(
        "s = Σ (w0 + w1·x + w2·x² − y)², gradient in (w0, w1, w2), data constant. `ours`: "
        "`quad_sse_grad` (`#[wrt(w0, w1, w2)]`, `xs: &[T], ys: &[T]`); `fused`: one loop with one "
        "accumulator per output; `batch`: `autograd::batch::mean_grad` (serial) around the "
        "per-sample `grad!` kernel `quad_grad`, its mean scaled back to the sum. GB/s counts the "
        "16 MB of x and y once. The row in italics is the forward function alone.\n"
    )
    table(md, "W5b", ("hand", "fused"), [
        ("ours", "ours (`quad_sse_grad`)"),
        ("hand", "hand-written, fused"),
        ("batch", "`batch::mean_grad` + per-sample `grad!`"),
        ("forward", "*`quad_sse` alone (value, no gradient)*"),
    ], ("GB/s", lambda ns: f"{16e6 / ns:.1f}"))

    md.append("### W5c: recurrence, T = 1,000\n")
    md.append(
        "`h = tanh(w·h + u·x[t] + c)`, loss `(h − y)²`, gradient in (w, u, c, h0). "
        "Hand-written backprop through time stores every `h` (a `Vec` per call, as ours) and uses "
        "`Real::tanh_fast`, as `grad!` does; num-dual: `DualSVec64<4>` through "
        "`num_dual::gradient` (its `tanh` is glibc's).\n"
    )
    table(md, "W5c", ("hand", "hand-written"), [
        ("ours", "ours (`rnn_grad`)"),
        ("hand", "hand-written BPTT"),
        ("num_dual", "num-dual, 4 tangents"),
    ], ("ns / step", lambda ns: f"{ns / 1000:.2f}"))

    md.append("### W5d: MLP(3, [4, 4, 1]) with arrays and loops\n")
    md.append(
        "W1c's network (tanh on every layer, loss `(o − 1)²`, 41 parameters) written with array "
        "parameters, local arrays `h`, `g` and nested loops, against W1c's unrolled `grad!` "
        "function and its hand-written gradient (`benches/common`).\n"
    )
    table(md, "W5d", ("unrolled", "unrolled"), [
        ("ours", "ours (arrays and loops)"),
        ("unrolled", "ours, unrolled (W1c)"),
        ("hand", "hand-written (W1c)"),
    ])

    md.append("### W4 for loops: expansion time\n")
    md.append(
        "`expand::grad` on `rosen` (slice) and on W5d's MLP (`autograd-macros/benches/expand.rs`, "
        "`W4_loops`). The bench also asserts that the expansion of Rosenbrock over `[T; N]` and of "
        "the MLP with hidden width N is the same text at N = 7 and N = 99,999 but for the number: "
        "nothing is unrolled.\n"
    )
    w4 = rounds("W4_loops").get(1, {})
    md.append("| function | median |")
    md.append("| --- | --- |")
    for cid in ("rosen", "mlp"):
        if cid in w4:
            md.append(f"| `{cid}` | {fmt(w4[cid])} |")
    md.append("")

    md.append("### Targets of issue 15\n")
    md.append("| target | met? | measured |")
    md.append("| --- | --- | --- |")

    def t(name, r, ok):
        if r is None:
            return
        md.append(f"| {name} | {'yes' if ok(r) else '**no**'} | {r:.3f} |")

    for n in (10, 1000, 100000):
        t(f"W5a N = {n:,}: ours / hand-written fused ≤ 1.10", ratio(f"W5a/{n}", "ours", "hand"), lambda r: r <= 1.10)
        t(f"W5a N = {n:,}: ours / hand-written zero then `+=` ≤ 1.10", ratio(f"W5a/{n}", "ours", "hand_zeroed"), lambda r: r <= 1.10)
        t(f"W5a N = {n:,}: reverse / ours ≥ 30", ratio(f"W5a/{n}", "reverse", "ours"), lambda r: r >= 30)
    t("W5b: ours / hand-written fused ≤ 1.20", ratio("W5b", "ours", "hand"), lambda r: r <= 1.20)
    t("W5b: ours / batch ≤ 1.00", ratio("W5b", "ours", "batch"), lambda r: r <= 1.0)
    t("W5c: ours / hand-written ≤ 1.20", ratio("W5c", "ours", "hand"), lambda r: r <= 1.20)
    t("W5c: ours / num-dual ≤ 1.00", ratio("W5c", "ours", "num_dual"), lambda r: r <= 1.0)
    t("W5d: ours / unrolled ≤ 1.20", ratio("W5d", "ours", "unrolled"), lambda r: r <= 1.20)
    for cid in ("rosen", "mlp"):
        if cid in w4:
            md.append(f"| W4: `{cid}` expands in < 5 ms | {'yes' if w4[cid] < 5e6 else '**no**'} | {fmt(w4[cid])} |")
    md.append("| W4: expansion independent of N | yes | asserted by the bench (N = 7 and 99,999) |")
    md.append("")

    text = "\n".join(md)
    print(text)
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        with open(sys.argv[2], "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
