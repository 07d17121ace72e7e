#!/usr/bin/env python3
"""Reads criterion's results of one `bench/run` and writes BENCHMARKS.md to stdout.

BENCHMARKS.md is a report: the current figures, how to reproduce them, and one history table
(`bench/history.tsv`: one row per full run, added here when the run is new). Why the benchmarks
are built as they are lives in docs/benchmark-notes.md, not here.

Sources (criterion directories):
  root    target/criterion                 root benches (W1, W2 default build, W3) and W4
  native  target/native/criterion          W2 built with -C target-cpu=native
  peers   bench-peers/target/criterion     W1 and W3 with every peer, in one binary
Medians are criterion's median point estimate (estimates.json); min–max are the fastest and
slowest of the sample means (sample.json: time / iterations per sample).
"""
import json
import statistics
import math
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = {
    "root": os.path.join(ROOT, "target", "criterion"),
    "native": os.path.join(ROOT, "target", "native", "criterion"),
    "peers": os.path.join(ROOT, "bench-peers", "target", "criterion"),
}
META = os.path.join(ROOT, "target", "bench-run", "meta.json")
HISTORY = os.path.join(ROOT, "bench", "history.tsv")
W4_REVIEW = os.path.join(ROOT, "bench", "w4-review.md")
# W5 (issue 15): the tables `bench/w5_table.py --write bench/w5.md` writes from the last
# `w5_loops` run, and the analysis of the targets it misses, by hand.
W5_SECTIONS = [os.path.join(ROOT, "bench", f) for f in ("w5.md", "w5-analysis.md")]
# W6 (issue 16) is measured by `cargo bench --bench w6_hessian`, outside bench/run; its section
# is kept by hand (`python3 bench/w6_summary.py` prints its tables).
W6_SECTION = os.path.join(ROOT, "bench", "w6.md")


def load(src, group, bench):
    d = os.path.join(SRC[src], group, bench, "new")
    try:
        est = json.load(open(os.path.join(d, "estimates.json")))
        smp = json.load(open(os.path.join(d, "sample.json")))
    except FileNotFoundError:
        return None
    per = [t / n for t, n in zip(smp["times"], smp["iters"])]
    return {"median": est["median"]["point_estimate"], "min": min(per), "max": max(per)}


def benches(src, group):
    d = os.path.join(SRC[src], group)
    if not os.path.isdir(d):
        return []
    return sorted(b for b in os.listdir(d) if os.path.isdir(os.path.join(d, b, "new")))


def fmt(ns):
    if ns is None:
        return "—"
    for unit, scale in (("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}" if ns / scale < 100 else f"{ns / scale:.0f} {unit}"
    return f"{ns:.3g} ns"


def ratio(x, ours):
    """x's median over ours; over rounds (W1, W2, W3), the median of the ratios within each round."""
    if x is None or ours is None:
        return None
    rx, ro = x.get("rounds"), ours.get("rounds")
    if rx and ro and len(rx) == len(ro):
        return statistics.median(a / b for a, b in zip(rx, ro))
    return x["median"] / ours["median"]


def rounds(src, group):
    """The groups of a benchmark run in rounds: `W1a`, then `W1a_r2`, `W1a_r3`, ..."""
    d = SRC[src]
    extra = [x for x in os.listdir(d) if re.fullmatch(re.escape(group) + r"_r\d+", x)] if os.path.isdir(d) else []
    return [group] + sorted(extra, key=lambda x: int(x.rsplit("_r", 1)[1]))


def rounds_note(src, group):
    n = len(rounds(src, group))
    return f", in {n} rounds" if n >= 2 else ""


def load_rounds(src, group, bench):
    """One contender over every round: median of the round medians, min and max over all."""
    per = [load(src, g, bench) for g in rounds(src, group)]
    if any(r is None for r in per):
        return None
    meds = [r["median"] for r in per]
    return {"median": statistics.median(meds), "min": min(r["min"] for r in per),
            "max": max(r["max"] for r in per), "rounds": meds}


def rfmt(r):
    return "—" if r is None else f"{r:.2f}×"


def table(rows, ours, extra_cols=()):
    """rows: (label, result, note)"""
    head = "| contender | median | min – max | ratio to ours |" + "".join(f" {c} |" for c, _ in extra_cols)
    out = [head, "|" + " --- |" * (4 + len(extra_cols))]
    for label, r, note in rows:
        if r is None:
            out.append(f"| {label} | {note or 'not run'} | | |" + " |" * len(extra_cols))
            continue
        ex = "".join(f" {f(r)} |" for _, f in extra_cols)
        out.append(
            f"| {label} | {fmt(r['median'])} | {fmt(r['min'])} – {fmt(r['max'])} | {rfmt(ratio(r, ours))} |{ex}"
        )
    return "\n".join(out)


def lock_versions(path, names):
    """Each crate's version in a Cargo.lock. Where the lock holds several versions of a crate
    (syn 1, 2 and 3), the one our macro crate or the benchmark crate depends on, else all."""
    try:
        text = open(path).read()
    except FileNotFoundError:
        return {}
    versions, ours = {}, set()
    for m in re.finditer(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"(?:\nsource = [^\n]*)?'
                         r'(?:\nchecksum = [^\n]*)?(?:\ndependencies = \[([^\]]*)\])?', text):
        if m.group(1) in names:
            versions.setdefault(m.group(1), []).append(m.group(2))
        if m.group(1) in ("autograd-macros", "bench-peers") and m.group(3):
            ours.update(re.findall(r'"([^"]+)"', m.group(3)))
    out = {}
    for name, vs in versions.items():
        chosen = [v for v in vs if f"{name} {v}" in ours]
        out[name] = chosen[0] if len(vs) > 1 and chosen else " / ".join(vs)
    return out



# The history table: one row per full run. Columns and how each is read from the targets.
HISTORY_COLUMNS = [
    ("date", None), ("commit", None),
    ("W1a ours/hand", "W1a: ours / hand-written ≤ 1.10"),
    ("W1b ours/hand", "W1b: ours / hand-written ≤ 1.10"),
    ("W1c ours/hand", "W1c: ours / hand-written ≤ 1.10"),
    ("W1a symdiff/ours", "W1a: faster than symdiff"),
    ("W1c symdiff/ours", "W1c: faster than symdiff"),
    ("W2 f64 ours/acc8", "W2 f64: ours ≥ as fast as the 8-accumulator loop (default build)"),
    ("W3a ×candle", "W3a: ≥ 5× candle's steps/s"),
    ("W3b ×candle", "W3b: ≥ 3× candle's steps/s"),
    ("W3b ×burn", "W3b: ≥ 1.5× burn's steps/s"),
    ("W4 1,000 ops", "W4: expansion of 1,000 operations < 5 ms"),
]


def run_date(meta):
    """`2026-11-22 16:12 UTC` → `2026-11-22 16:12`."""
    return meta.get("date", "?").replace(" UTC", "")


def history_row(meta, targets):
    """This run's row: the first number of each target's measured text."""
    measured = {name: (ok, detail) for name, ok, detail in targets}
    row = [run_date(meta), meta.get("commit", "?")]
    for _, target in HISTORY_COLUMNS[2:]:
        ok, detail = measured.get(target, (None, "—"))
        # "ours / acc8 = 0.60 (...)": the number after the `=`; "7.23×", "2.29 ms": the first.
        m = re.search(r"\d+(?:\.\d+)?(?:×| ms| µs)?", detail.split("=", 1)[-1])
        value = m.group(0) if m else "—"
        row.append(f"**{value}**" if ok is False else value)
    return row


def history(meta, targets):
    """The rows of bench/history.tsv, with this run's added (and saved) if it is new."""
    rows = []
    if os.path.exists(HISTORY):
        rows = [line.rstrip("\n").split("\t") for line in open(HISTORY) if line.strip()]
        rows = rows[1:]  # header
    if meta.get("commit") and not any(r[:2] == [run_date(meta), meta["commit"]] for r in rows) \
            and "root" in meta.get("stage_runs", {}) and "peers" in meta.get("stage_runs", {}):
        rows.append(history_row(meta, targets))
        with open(HISTORY, "w") as f:
            f.write("\t".join(c for c, _ in HISTORY_COLUMNS) + "\n")
            for r in rows:
                f.write("\t".join(r) + "\n")
    return rows


def main():
    meta = json.load(open(META)) if os.path.exists(META) else {}
    md = []
    md.append("# Benchmarks\n")
    md.append(
        "The four workloads of issue 4: W1 the latency of one scalar gradient, W2 the throughput of a "
        "batch gradient, W3 one training step, W4 the macro's expansion time; and W5 of issue 15, "
        "gradients of functions with arrays and loops (its tables from `bench/w5_table.py`). Written by `bench/run` "
        "through `bench/report.py`; do not edit by hand. Each table gives criterion's median, the "
        "fastest and slowest of its sample means, and the ratio to ours from the same binary run; "
        "every contender is first checked to compute the same value and gradient as the reference. "
        "Why the benchmarks are built this way, and what each round of work changed: "
        "[docs/benchmark-notes.md](docs/benchmark-notes.md).\n"
    )
    md.append("## Run\n")
    md.append(f"- {meta.get('date', '?')}, commit {meta.get('commit', '?')}, `{meta.get('command', 'bench/run')}` "
              f"({meta.get('duration', '?')}; warm-up {meta.get('warmup', '?')} s, measurement "
              f"{meta.get('measure', '?')} s per benchmark)")
    runs = meta.get("stage_runs", {})
    if runs and len(set(runs.values())) > 1:
        md.append("- Stages from different runs: "
                  + "; ".join(f"{s} {runs[s]}" for s in ("root", "w4", "native", "peers") if s in runs))
    md.append(f"- CPU: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores, shared with other work "
              f"(load average {meta.get('load_start', '?')} at the start, {meta.get('load_end', '?')} at the end); "
              f"{meta.get('rustc', '?')}")
    names = ["criterion", "matrixmultiply", "syn", "proc-macro2", "rayon", "num-dual", "reverse", "symdiff",
             "candle-core", "candle-nn", "burn", "burn-ndarray", "burn-autodiff", "nalgebra", "gemm"]
    v = lock_versions(os.path.join(ROOT, "Cargo.lock"), names)
    v.update({k: x for k, x in lock_versions(os.path.join(ROOT, "bench-peers", "Cargo.lock"), names).items() if k not in v})
    md.append("- Crates: " + ", ".join(f"{k} {v[k]}" for k in names if k in v) + "\n")

    targets = []

    def t(name, ok, detail):
        targets.append((name, ok, detail))

    # W1
    md.append("## W1: scalar gradient latency (f64, value + full gradient per call)\n")
    md.append(
        "W1a `a*b + tanh(c) - 0.5*a^2`; W1b Rosenbrock in 10 variables; W1c the loss of an "
        "MLP(3, [4, 4, 1]) with tanh, as one function of its 41 parameters (`bench/gen_w1.py`). "
        "`grad!` and the hand-written gradient compute `tanh` with `Real::tanh_fast`; symdiff has "
        "no `tanh` and spells it `1 − 2/(e^{2z} + 1)`, and `ours (tanh via exp)` is our macro on that "
        "spelling. Rows in italics are references, not contenders."
    )
    w1src = "peers" if benches("peers", "W1a") else "root"
    md.append(f"Source: the `{'bench-peers' if w1src == 'peers' else 'root'}` run"
              + rounds_note(w1src, "W1a") + ".\n")
    labels = {
        "ours": "ours (`grad!`)", "ours_exp_tanh": "ours (`grad!`, tanh via exp)", "hand": "hand-written",
        "symdiff": "symdiff", "num-dual": "num-dual `DualSVec64<N>`", "reverse": "reverse (tape reused)",
        "fd": "central finite differences",
        "hand_std_tanh": "*hand-written with glibc's `tanh`*",
    }
    w1 = {}
    for g in ("W1a", "W1b", "W1c"):
        res = {b: load_rounds(w1src, g, b) for b in benches(w1src, g)}
        w1[g] = res
        order = ["ours", "ours_exp_tanh", "hand", "hand_std_tanh", "symdiff", "num-dual", "reverse", "fd"]
        rows = []
        for b in order:
            if b in res:
                rows.append((labels.get(b, b), res[b], None))
            elif b == "symdiff" and g == "W1c":
                rows.append(("symdiff", None, meta.get("symdiff_w1c", "not built")))
        md.append(f"### {g}\n")
        md.append(table(rows, res.get("ours")) + "\n")

    for g in ("W1a", "W1b", "W1c"):
        r = ratio(w1[g].get("hand"), w1[g].get("ours"))
        rr = ratio(load_rounds("root", g, "hand"), load_rounds("root", g, "ours")) if w1src == "peers" else None
        t(f"{g}: ours / hand-written ≤ 1.10", None if r is None else 1 / r <= 1.10,
          ("—" if r is None else f"ours / hand = {1 / r:.2f}")
          + ("" if rr is None else f" (root package's run of the same code: {1 / rr:.2f})"))
        s = ratio(w1[g].get("symdiff"), w1[g].get("ours"))
        se = ratio(w1[g].get("symdiff"), w1[g].get("ours_exp_tanh"))
        t(f"{g}: faster than symdiff", None if s is None else s > 1,
          "symdiff not built" if s is None else f"symdiff / ours = {s:.2f}"
          + ("" if se is None else f" (same tanh spelling: {se:.2f})"))
    r = ratio(w1["W1b"].get("reverse"), w1["W1b"].get("ours"))
    t("W1b: ≥ 30× faster than the reverse tape", None if r is None else r >= 30, "—" if r is None else f"{r:.1f}×")
    r = ratio(w1["W1c"].get("num-dual"), w1["W1c"].get("ours"))
    t("W1c: ≥ 20× faster than num-dual", None if r is None else r >= 20, "—" if r is None else f"{r:.1f}×")

    # W2
    md.append("## W2: batch gradient throughput\n")
    md.append(
        "mean((w·x + b − y)²) over 1,000,000 samples, value + dL/dw + dL/db. `[default]`: built for the "
        "default target; `[native]`: built with `-C target-cpu=native`, run right after. Ratios are to "
        "`ours[default]`; GB/s counts the bytes of x and y read. The rows in italics only read x and y: "
        "memory's limit on this machine. Each build ran" + (rounds_note("root", "W2_f32") or " once") + ".\n"
    )
    for g, size in (("W2_f32", 4), ("W2_f64", 8)):
        res = {}
        for src in ("root", "native"):
            for b in benches(src, g):
                res[b] = load_rounds(src, g, b)
        order = [f"{c}[{bld}]" for bld in ("default", "native")
                 for c in ("ours", "ours_threaded", "naive", "acc8", "read", "read_threaded")]
        lab = {"ours": "ours (`batch::mean_grad`)", "ours_threaded": "ours threaded (`par_mean_grad`, 2 threads)",
               "naive": "naive loop", "acc8": "8 accumulators",
               "read": "*reading x and y only, 1 thread (memory's limit, no gradient)*",
               "read_threaded": "*reading x and y only, 2 threads*"}
        rows = []
        for b in order:
            if b in res:
                c, bld = b.split("[")
                rows.append((f"{lab[c]} [{bld}", res[b], None))
        extra = (("ns/sample", lambda r: f"{r['median'] / 1e6:.3f}"),
                 ("GB/s", lambda r, s=size: f"{2 * s * 1e6 / r['median']:.1f}"))
        md.append(f"### {g[3:]}\n")
        md.append(table(rows, res.get("ours[default]"), extra) + "\n")
        ours = res.get("ours[default]")
        r = ratio(ours, res.get("acc8[default]"))
        t(f"W2 {g[3:]}: ours ≥ as fast as the 8-accumulator loop (default build)", None if r is None else r <= 1.0,
          "—" if r is None else f"ours / acc8 = {r:.2f}")
        r = ratio(ours, res.get("acc8[native]"))
        t(f"W2 {g[3:]}: ours (default build) within 1.1× of the native 8-accumulator loop", None if r is None else r <= 1.1,
          "—" if r is None else f"ours[default] / acc8[native] = {r:.2f}")
        th = ratio(ours, res.get("ours_threaded[default]"))
        rd = ratio(res.get("read[default]"), res.get("read_threaded[default]"))
        ceiling = "" if rd is None else f"; reading alone gains {rd:.2f}× from a second thread"
        t(f"W2 {g[3:]}: threaded scales on 2 cores", None if th is None else th >= 1.6,
          "—" if th is None else f"speed-up {th:.2f}× on 2 threads{ceiling}")

    # W3
    md.append("## W3: training step (f32, forward + backward + SGD update, one thread)\n")
    md.append(
        "W3a: MLP 2→16→16→1, tanh, MSE, batch 64. W3b: MLP 784→128→10, ReLU, softmax cross-entropy, "
        "batch 128. Same data and starting parameters for every contender. `hand-written` uses "
        "`matrixmultiply` and libm's `tanhf`; candle and burn run with `RAYON_NUM_THREADS=1`."
    )
    w3src = "peers" if benches("peers", "W3a") else "root"
    md.append(f"Source: the `{'bench-peers' if w3src == 'peers' else 'root'}` run"
              + (rounds_note(w3src, "W3a") or ", once") + ".\n")
    lab3 = {"ours": "ours (`nn::Mlp` + `Sgd`)", "hand": "hand-written (matrixmultiply, libm tanh)",
            "hand_fast_tanh": "hand-written, fast tanh", "hand_gemm": "hand-written with the `gemm` crate (candle's GEMM)",
            "candle": "candle", "burn": "burn (ndarray + autodiff)"}
    w3 = {}
    for g in ("W3a", "W3b"):
        res = {b: load_rounds(w3src, g, b) for b in benches(w3src, g)}
        w3[g] = res
        rows = [(lab3.get(b, b), res[b], None) for b in lab3 if b in res]
        if "burn" not in res:
            rows.append(("burn (ndarray + autodiff)", None, meta.get("burn", "not built")))
        extra = (("steps/s", lambda r: f"{1e9 / r['median']:.0f}"),)
        md.append(f"### {g}\n")
        md.append(table(rows, res.get("ours"), extra) + "\n")
    if benches("root", "W3b_products"):
        md.append("### W3b's two large products alone (128 × 784 × 128, f32)\n")
        md.append("The first layer's forward product `x·W1ᵀ` and weight gradient `dzᵀ·x`, through the "
                  "runtime's large-product path and through `matrixmultiply`. Source: the root run"
                  + (rounds_note("root", "W3b_products") or ", once") + ".\n")
        res = {b: load_rounds("root", "W3b_products", b) for b in benches("root", "W3b_products")}
        for prod, label in (("forward", "Forward x·W1ᵀ"), ("weight_grad", "Weight gradient dzᵀ·x")):
            ours = res.get(f"ours_{prod}")
            rows = [("ours", ours, None), ("matrixmultiply", res.get(f"mm_{prod}"), None)]
            md.append(f"{label}:\n\n" + table(rows, ours) + "\n")
    r = ratio(w3["W3a"].get("candle"), w3["W3a"].get("ours"))
    t("W3a: ≥ 5× candle's steps/s", None if r is None else r >= 5, "—" if r is None else f"{r:.2f}×")
    r = ratio(w3["W3b"].get("candle"), w3["W3b"].get("ours"))
    t("W3b: ≥ 3× candle's steps/s", None if r is None else r >= 3, "—" if r is None else f"{r:.2f}×")
    r = ratio(w3["W3b"].get("burn"), w3["W3b"].get("ours"))
    t("W3b: ≥ 1.5× burn's steps/s", None if r is None else r >= 1.5, "burn not built" if r is None else f"{r:.2f}×")

    # W4
    md.append("## W4: compile-time cost of `grad!`\n")
    md.append(
        "Time of the macro's expansion alone (`expand::grad` on `proc_macro2` tokens, output dropped "
        "outside the clock) for a chain of `let` statements of about N operations "
        "(`autograd-macros/benches/expand.rs`); rustc's work on the expanded code is not included.\n"
    )
    for group, title in (("W4", "Spread: each value used two or three times"),
                         ("W4_fanin", "Fan-in: one value used by every statement")):
        sizes = sorted(int(b) for b in benches("root", group) if b.isdigit())
        if not sizes:
            continue
        md.append(f"### {title}\n")
        out = ["| operations | median | min – max | per operation | growth vs previous size |", "| --- | --- | --- | --- | --- |"]
        w4 = {}
        prev = None
        for n in sizes:
            r = load("root", group, str(n))
            w4[n] = r
            g = "—"
            if prev:
                pn, pr = prev
                g = f"time ×{r['median'] / pr['median']:.1f} for size ×{n / pn:.1f}"
            out.append(f"| {n} | {fmt(r['median'])} | {fmt(r['min'])} – {fmt(r['max'])} | {fmt(r['median'] / n)} | {g} |")
            prev = (n, r)
        md.append("\n".join(out) + "\n")
        big = [n for n in sizes if n >= 100]
        slope = None
        if len(big) >= 2:
            a, b = big[0], big[-1]
            slope = math.log(w4[b]["median"] / w4[a]["median"]) / math.log(b / a)
            md.append(f"Fitted growth between {a} and {b} operations: time ∝ N^{slope:.2f}.\n")
        if group == "W4":
            if 1000 in w4:
                t("W4: expansion of 1,000 operations < 5 ms", w4[1000]["median"] < 5e6, fmt(w4[1000]["median"]))
            if slope is not None:
                t("W4: growing linearly", slope <= 1.15, f"time ∝ N^{slope:.2f} between {big[0]} and {big[-1]} operations")
        elif slope is not None:
            t("W4 (fan-in shape): growing linearly", slope <= 1.15, f"time ∝ N^{slope:.2f}")
    plain = {int(b): load("root", "W4_trace/plain", b) for b in benches("root", "W4_trace/plain")}
    traced = {int(b): load("root", "W4_trace/trace", b) for b in benches("root", "W4_trace/trace")}
    sizes = sorted(n for n in plain if traced.get(n) and plain[n])
    if sizes:
        md.append("### `#[trace]` (issue 17)\n")
        md.append(
            "The same chain of N operations expanded without and with `#[trace]`, side by side in one "
            "run (`W4_trace`): what a function that asks for `f_graph`, `f_trace` and `f_source` pays. "
            "A function without `#[trace]` expands exactly as before (the snapshots check it).\n"
        )
        out = ["| operations | without | with `#[trace]` | ratio |", "| --- | --- | --- | --- |"]
        for n in sizes:
            out.append(f"| {n} | {fmt(plain[n]['median'])} | {fmt(traced[n]['median'])} | "
                       f"{traced[n]['median'] / plain[n]['median']:.1f}× |")
        md.append("\n".join(out) + "\n")
    if os.path.exists(W4_REVIEW):
        md.append(open(W4_REVIEW).read().strip() + "\n")
    for section in W5_SECTIONS:
        if os.path.exists(section):
            md.append(open(section).read().strip() + "\n")
    if os.path.exists(W6_SECTION):
        md.append(open(W6_SECTION).read().strip() + "\n")

    md.append("## Targets of issue 4\n")
    md.append("| target | met? | measured |\n| --- | --- | --- |")
    for name, ok, detail in targets:
        md.append(f"| {name} | {'yes' if ok else ('no' if ok is False else 'not measured')} | {detail} |")
    md.append("")

    md.append("## How to reproduce\n")
    md.append("\n".join([
        "```sh",
        "BURN=1 SYMDIFF_W1C=1 bench/run     # every workload and contender, 15–25 min once built; writes this file",
        "STAGES=w4 bench/run                # one stage only (root, w4, native, peers), keeping the others' results",
        "REPORT_ONLY=1 bench/run            # rewrite this file from the last results in target/",
        "cargo bench --bench w1_scalar --bench w2_batch --bench w3_train       # W1, W2, W3: ours and the hand-written code",
        "(cd bench-peers && RAYON_NUM_THREADS=1 cargo bench)                   # W1 and W3 with every peer",
        "cargo bench -p autograd-macros --bench expand -- 'W4(_fanin)?/1000'   # W4 at 1,000 operations",
        "W5_ROUNDS=3 cargo bench --bench w5_loops -- --warm-up-time 1 --measurement-time 3   # W5, 6 min",
        "cargo bench -p autograd-macros --bench expand -- W4_loops            # W4 of rosen and the MLP with loops",
        "cargo bench -p autograd-macros --bench expand -- W4_trace            # W4 with and without #[trace]",
        "python3 bench/w5_table.py --write bench/w5.md                        # W5's tables from the two runs above",
        "W6_ROUNDS=3 cargo bench --bench w6_hessian && python3 bench/w6_summary.py   # W6 (issue 16)",
        "python3 bench/gen_w1.py            # regenerate W1's functions for every contender",
        "python3 bench/tanh_accuracy.py     # accuracy of tanh_fast against a 50-digit reference",
        "```",
    ]) + "\n")
    md.append("Compare two versions of the code in one sitting (build both, run them alternately) and "
              "read ratios: the machine is shared, and the same code has measured up to 2× slower "
              "within minutes.\n")

    rows = history(meta, targets)
    if rows:
        md.append("## History\n")
        md.append("Key ratios of each full run (bold: target missed). Every column is in the targets above.\n")
        md.append("| " + " | ".join(c for c, _ in HISTORY_COLUMNS) + " |")
        md.append("|" + " --- |" * len(HISTORY_COLUMNS))
        for r in rows:
            md.append("| " + " | ".join(r) + " |")
        md.append("")
    sys.stdout.write("\n".join(md) + "\n")


if __name__ == "__main__":
    main()
