#!/usr/bin/env python3
"""Reads a sampler file ("t_ms node ro vip" lines) and reports, in milliseconds, how long two servers
were writable at once, how long a node held the VIP while its server was not writable, and how long
both held the VIP. An interval counts only between two consecutive samples of a node that agree
(the state is certain there), so sampling skew between the two threads never invents an overlap."""
import sys


def certain(samples, pred):
    """Intervals [t_i, t_i+1) where samples i and i+1 both satisfy pred."""
    out = []
    for a, b in zip(samples, samples[1:]):
        if pred(a) and pred(b):
            out.append((a[0], b[0]))
    return out


def overlap(x, y):
    total, i, j = 0.0, 0, 0
    while i < len(x) and j < len(y):
        lo, hi = max(x[i][0], y[j][0]), min(x[i][1], y[j][1])
        if hi > lo:
            total += hi - lo
        if x[i][1] < y[j][1]:
            i += 1
        else:
            j += 1
    return total


def main():
    nodes = {1: [], 2: []}
    with open(sys.argv[1]) as f:
        for line in f:
            p = line.split()
            if len(p) == 4:
                nodes[int(p[1])].append((float(p[0]), int(p[2]), int(p[3])))
    writable = {n: certain(s, lambda r: r[1] == 0) for n, s in nodes.items()}
    vip = {n: certain(s, lambda r: r[2] == 1) for n, s in nodes.items()}
    vip_ro = {n: certain(s, lambda r: r[2] == 1 and r[1] != 0) for n, s in nodes.items()}
    res = {
        "samples": sum(len(s) for s in nodes.values()),
        "two_writable_ms": round(overlap(writable[1], writable[2]), 1),
        "vip_on_readonly_ms": round(sum(b - a for n in vip_ro for a, b in vip_ro[n]), 1),
        "both_vip_ms": round(overlap(vip[1], vip[2]), 1),
    }
    print(" ".join(f"{k}={v}" for k, v in res.items()))


if __name__ == "__main__":
    main()
