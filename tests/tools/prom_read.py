#!/usr/bin/python3
"""Reads a Prometheus text file with prometheus_client's parser (the exposition format's reference).

prom_read.py FILE            exit 0 when the whole file parses and holds dualmaster_ families
prom_read.py FILE SELECTOR   print the first matching sample's value as an integer (exit 1 if none);
                             SELECTOR is name or name{label=value,label}: a bare label must exist.
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def parse_selector(sel):
    name, _, rest = sel.partition("{")
    want = {}
    for part in filter(None, rest.rstrip("}").split(",")):
        k, eq, v = part.partition("=")
        want[k] = v if eq else None
    return name, want


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        families = list(text_string_to_metric_families(f.read()))
    if len(sys.argv) < 3:
        names = [fam.name for fam in families]
        if not names or not all(n.startswith("dualmaster_") for n in names):
            sys.exit(f"unexpected families: {names}")
        return 0
    name, want = parse_selector(sys.argv[2])
    for fam in families:
        for s in fam.samples:
            if s.name == name and all(k in s.labels and (v is None or s.labels[k] == v)
                                      for k, v in want.items()):
                print(int(s.value))
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
