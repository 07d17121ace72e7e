#!/usr/bin/env python3
"""Error of three spellings of tanh, in ulps, against a 50-digit reference (docs/benchmark-notes.md, symdiff).

glibc's `tanh` (`f64::tanh`, which the attribute form and the reference rows of W1 call; Python's
`math.tanh` is the same function); `1 - 2/(e^{2z} + 1)`, the spelling symdiff's W1a and W1c use
(it has no tanh), with glibc's `exp`; and `Real::tanh_fast` (autograd-runtime/src/tanh.rs), what
`grad!` computes for `x.tanh()`. 4,000 log-uniform points per band of z > 0; tanh is odd, so
z < 0 is the same. The runtime's own test checks `tanh_fast` against a 128-bit reference too,
down to subnormal z. Run: python3 bench/tanh_accuracy.py
"""
import math
import random
from decimal import Decimal, getcontext

getcontext().prec = 50


def reference(z):
    e = (Decimal(z) * 2).exp()
    return (e - 1) / (e + 1)


def ulps(x, r):
    return float(abs(Decimal(x) - r) / Decimal(math.ulp(float(r))))


def one_exp(z):
    return 1.0 - 2.0 / (math.exp(z * 2.0) + 1.0)


def own(z):
    """`tanh_f64` of autograd-runtime/src/tanh.rs, the same operations in the same order."""
    if z < 0.7:
        u = z * z
        m = ((u + 594.0) * u + 45045.0) * u + 675675.0
        d = (((u + 630.0) * u + 51975.0) * u + 945945.0) * u + 2027025.0
        return z - z * u * (m / d)
    return 1.0 - 2.0 / (math.exp(2.0 * z) + 1.0)


random.seed(1)
print("| band of z | glibc tanh: max (mean) ulp | 1 − 2/(e^{2z}+1): max (mean) ulp "
      "| `Real::tanh_fast`: max (mean) ulp |")
print("|---|---|---|---|")
for lo, hi in [(1e-12, 1e-6), (1e-6, 1e-3), (1e-3, 0.1), (0.1, 0.55), (0.55, 0.7), (0.7, 2.0), (2.0, 19.0)]:
    a, b, c = [], [], []
    for _ in range(4000):
        z = math.exp(random.uniform(math.log(lo), math.log(hi)))
        r = reference(z)
        a.append(ulps(math.tanh(z), r))
        b.append(ulps(one_exp(z), r))
        c.append(ulps(own(z), r))
    print(f"| [{lo:g}, {hi:g}) | {max(a):.2f} ({sum(a) / len(a):.2f}) "
          f"| {max(b):.3g} ({sum(b) / len(b):.3g}) | {max(c):.2f} ({sum(c) / len(c):.2f}) |")
print(f"\nat z = 0.5 (W1a): glibc {ulps(math.tanh(0.5), reference(0.5)):.2f} ulp, "
      f"one exp {ulps(one_exp(0.5), reference(0.5)):.2f} ulp; "
      f"at z = 1e-17: glibc {math.tanh(1e-17)}, one exp {one_exp(1e-17)}")
