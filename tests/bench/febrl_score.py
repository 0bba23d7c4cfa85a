#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of crm-dedupe --stream output on FEBRL.

usage: febrl_score.py LABELLED.csv [ALL_PAIRS.csv]

LABELLED.csv is crm-dedupe --stream output: the FEBRL columns (rec_id) or
an `entity` column (our own sets), plus cluster_id. Truth: records rec-N-org and rec-N-dup-K are one entity N
(see ../shared/data/febrl/README.md); every pair inside an entity is a true
pair, every pair inside a predicted cluster a predicted pair. With
ALL_PAIRS.csv (crm-dedupe --all-pairs: 1-based row numbers of every pair
compared), also the share of true pairs that blocking kept.
Prints one line: key=value pairs.
"""
import csv
import sys
from collections import defaultdict
from itertools import combinations


def entity(rec_id):
    return rec_id.strip().split("-")[1]


def pairs_of(groups):
    out = set()
    for members in groups.values():
        for a, b in combinations(sorted(members), 2):
            out.add((a, b))
    return out


def main():
    rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
    header = [h.strip() for h in rows[0]]
    cl = header.index("cluster_id")
    # FEBRL: the entity is in rec_id; our own sets carry an entity column.
    if "rec_id" in header:
        rec, ent = header.index("rec_id"), entity
    else:
        rec, ent = header.index("entity"), lambda v: v.strip()
    truth, pred = defaultdict(list), defaultdict(list)
    ids = []
    for r in rows[1:]:
        rid = r[rec].strip()
        ids.append(rid)
        truth[ent(rid)].append(len(ids))
        pred[r[cl]].append(len(ids))
    true_pairs, pred_pairs = pairs_of(truth), pairs_of(pred)
    tp = len(true_pairs & pred_pairs)
    p = tp / len(pred_pairs) if pred_pairs else 0.0
    r = tp / len(true_pairs) if true_pairs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    out = f"records={len(ids)} true_pairs={len(true_pairs)} predicted_pairs={len(pred_pairs)} tp={tp} precision={p:.4f} recall={r:.4f} f1={f1:.4f}"
    if len(sys.argv) > 2:
        kept = set()
        n = 0
        with open(sys.argv[2], newline="") as f:
            rd = csv.reader(f)
            next(rd)
            for a, b, _ in rd:
                n += 1
                x, y = int(a), int(b)
                kept.add((min(x, y), max(x, y)))
        out += f" comparisons={n} blocking_recall={len(true_pairs & kept) / len(true_pairs):.4f}"
    print(out)


if __name__ == "__main__":
    main()
