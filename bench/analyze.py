#!/usr/bin/env python3
"""One benchmark trial's numbers from the files bench/trial.sh left in its directory.

Prints "outage_ms refused_ro lost_acked divergent_rows takeover_ms heal_gap_ms late_acked vip_changes
split_writes" (NA where not measurable). The survivor is the node the "survivor" line of the times
file names (trials alternate the master; without the line, node2):
- outage_ms: the longest time between two consecutive acknowledged writes, counted from the last
  acknowledgement before the fault to the end of the trial: a write stop after the heal (a move
  back, a stall) is an outage too. No acknowledgement after the fault at all: up to the end.
- refused_ro: writer errors 1290 (server running with --read-only) over the whole trial.
- lost_acked: rows acknowledged more than 1 s before the survivor's snapshot (taken just before the
  heal) that the survivor does not have: what would be lost if the old master never came
  back. The 1 s spares rows still in flight through replication of a healthy pair.
- divergent_rows: ids present on one node only, after the heal and the final replication wait.
- takeover_ms: from the fault until the sampler sees the survivor writable and holding the VIP in two
  consecutive samples (the daemon's part of the outage, without the client's reconnect).
- heal_gap_ms: the longest time between two acknowledged writes that begins after the heal: what
  the return of the faulted part costs (a move back, a stall).
- late_acked: how many of the lost_acked rows the survivor had by the end of the trial (they reached it
  after the heal, or its applier released them late): the survivor served without them meanwhile.
- vip_changes: VIP additions and removals on both nodes after the fault, from the sampler (a state
  counts once two consecutive samples agree). One clean move is 2; flapping shows as more.
- split_writes: rows the old master committed after the survivor had committed its first row since
  the fault, before the heal: writes accepted by two servers at once (from both nodes' tables, where
  every row carries its originating server and commit time).
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


def read_rows(path):
    """{id: (node, epoch)} from "ID NODE EPOCH" lines, or None without a (complete) file."""
    try:
        with open(path) as f:
            return {int(p[0]): (p[1], float(p[2])) for p in (line.split() for line in f) if len(p) == 3}
    except (OSError, ValueError):
        return None


def split_writes(rows, t_fault, t_heal, new, old):
    first = min((ts for node, ts in rows.values() if node == new and ts > t_fault), default=None)
    if first is None:
        return 0
    return sum(1 for node, ts in rows.values() if node == old and first < ts < t_heal)


def outage_ms(acks, t_fault, t_heal, t_end):
    before = [a for a in acks if a[1] <= t_fault]
    if not before:
        return None
    start = before[-1][1]
    seq = [a[1] for a in acks if a[1] >= start]
    # Every gap to the end of the trial: a write stop after the heal is an outage too.
    worst = max((b - a for a, b in zip(seq, seq[1:])), default=0.0)
    return max(worst, t_end - seq[-1]) * 1000


def heal_gap_ms(acks, t_heal, t_end):
    seq = [a[1] for a in acks if a[1] >= t_heal]
    if not seq:
        return (t_end - t_heal) * 1000
    worst = max((b - a for a, b in zip(seq, seq[1:])), default=0.0)
    return max(worst, t_end - seq[-1]) * 1000


def takeover_ms(samples_path, t_fault_ms, sid):
    prev = None
    with open(samples_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 4 or p[1] != str(sid):
                continue
            t, ro, vip = float(p[0]), int(p[2]), int(p[3])
            if t < t_fault_ms:
                continue
            ok = ro == 0 and vip == 1
            if ok and prev is not None:
                return prev - t_fault_ms
            prev = t if ok else None
    return None


def vip_changes(samples_path, t_fault_ms):
    changes = 0
    state, prev = {}, {}
    with open(samples_path) as f:
        for line in f:
            p = line.split()
            if len(p) != 4:
                continue
            node, vip = p[1], int(p[3])
            if vip == prev.get(node):
                if node in state and state[node] != vip and float(p[0]) >= t_fault_ms:
                    changes += 1
                state[node] = vip
            prev[node] = vip
    return changes


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
    # The survivor's number (trials alternate the master); older runs always had node2.
    sid = int(t.get("survivor", 2))
    new, old = f"node{sid}", f"node{3 - sid}"
    survivor = read_rows(f"{d}/survivor.rows")
    r1, r2 = read_rows(f"{d}/node1.rows"), read_rows(f"{d}/node2.rows")
    n1 = set(r1) if r1 is not None else None
    n2 = set(r2) if r2 is not None else None
    lost = late = None
    if survivor is not None and "t_snapshot" in t:
        missing = [a[0] for a in acks if a[1] < t["t_snapshot"] - 1.0 and a[0] not in survivor]
        lost = len(missing)
        ns = n2 if sid == 2 else n1
        late = sum(1 for i in missing if i in ns) if ns is not None else None
    divergent = len(n1 ^ n2) if n1 is not None and n2 is not None else None
    out = outage_ms(acks, t["t_fault"], t["t_heal"], t["t_end"])
    tk = takeover_ms(f"{d}/samples", t["t_fault_ms"], sid) if "t_fault_ms" in t else None
    heal = heal_gap_ms(acks, t["t_heal"], t["t_end"])
    moves = vip_changes(f"{d}/samples", t["t_fault_ms"]) if "t_fault_ms" in t else None
    split = split_writes({**(r1 or {}), **(r2 or {})}, t["t_fault"], t["t_heal"], new, old) if r1 or r2 else None
    print(" ".join(fmt(v) for v in (out, refused, lost, divergent, tk, heal, late, moves, split)))


if __name__ == "__main__":
    main()
