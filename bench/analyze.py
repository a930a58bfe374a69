#!/usr/bin/env python3
"""One benchmark trial's numbers from the files bench/trial.sh left in its directory.

Prints "outage_ms refused_ro lost_acked divergent_rows takeover_ms heal_gap_ms" (NA where not
measurable):
- outage_ms: the longest time between two consecutive acknowledged writes, counted from the last
  acknowledgement before the fault; only gaps that begin before the heal count (the heal's own
  effects are not the fault's outage). No acknowledgement after the fault at all: up to the end.
- refused_ro: writer errors 1290 (server running with --read-only) over the whole trial.
- lost_acked: rows acknowledged more than 1 s before the survivor's snapshot (taken just before the
  heal) that the survivor (node2) does not have: what would be lost if the old master never came
  back. The 1 s spares rows still in flight through replication of a healthy pair.
- divergent_rows: ids present on one node only, after the heal and the final replication wait.
- takeover_ms: from the fault until the sampler sees node2 writable and holding the VIP in two
  consecutive samples (the daemon's part of the outage, without the client's reconnect).
- heal_gap_ms: the longest time between two acknowledged writes that begins after the heal: what
  the return of the faulted part costs (a move back, a stall).
"""
import sys


def read_times(path):
    t = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if v:
                t[k] = float(v)
    return t


def read_ids(path):
    try:
        with open(path) as f:
            return {int(x) for x in f.read().split()}
    except (OSError, ValueError):
        return None


def outage_ms(acks, t_fault, t_heal, t_end):
    before = [a for a in acks if a[1] <= t_fault]
    if not before:
        return None
    start = before[-1][1]
    seq = [a[1] for a in acks if a[1] >= start]
    worst = 0.0
    for a, b in zip(seq, seq[1:]):
        if a < t_heal:
            worst = max(worst, b - a)
    if seq[-1] < t_heal:
        worst = max(worst, t_end - seq[-1])
    return worst * 1000


def heal_gap_ms(acks, t_heal, t_end):
    seq = [a[1] for a in acks if a[1] >= t_heal]
    if not seq:
        return None
    worst = max((b - a for a, b in zip(seq, seq[1:])), default=0.0)
    return max(worst, t_end - seq[-1]) * 1000


def takeover_ms(samples_path, t_fault_ms):
    prev = None
    with open(samples_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 4 or p[1] != "2":
                continue
            t, ro, vip = float(p[0]), int(p[2]), int(p[3])
            if t < t_fault_ms:
                continue
            ok = ro == 0 and vip == 1
            if ok and prev is not None:
                return prev - t_fault_ms
            prev = t if ok else None
    return None


def fmt(v):
    return "NA" if v is None else f"{v:.0f}" if isinstance(v, float) else str(v)


def main():
    d = sys.argv[1]
    t = read_times(f"{d}/times")
    acks = []
    with open(f"{d}/acked") as f:
        for line in f:
            p = line.split()
            if len(p) == 3:
                acks.append((int(p[0]), float(p[1]), int(p[2])))
    acks.sort(key=lambda a: a[1])
    refused = 0
    with open(f"{d}/errors") as f:
        for line in f:
            p = line.split()
            if len(p) >= 3 and p[2] == "1290":
                refused += 1
    survivor = read_ids(f"{d}/survivor.ids")
    lost = None
    if survivor is not None and "t_snapshot" in t:
        lost = sum(1 for a in acks if a[1] < t["t_snapshot"] - 1.0 and a[0] not in survivor)
    n1, n2 = read_ids(f"{d}/node1.ids"), read_ids(f"{d}/node2.ids")
    divergent = len(n1 ^ n2) if n1 is not None and n2 is not None else None
    out = outage_ms(acks, t["t_fault"], t["t_heal"], t["t_end"])
    tk = takeover_ms(f"{d}/samples", t["t_fault_ms"]) if "t_fault_ms" in t else None
    heal = heal_gap_ms(acks, t["t_heal"], t["t_end"])
    print(" ".join(fmt(v) for v in (out, refused, lost, divergent, tk, heal)))


if __name__ == "__main__":
    main()
