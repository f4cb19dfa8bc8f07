#!/usr/bin/env python3
"""Replays both confirmation rules (mean, every-draw) on finished validated runs and judges them held-out.

Each RUN folder holds one report.json per held-out seed in a folder named *seed-SEED (seed 1234 with the validated
search's record). The rules choose among that record's finalists from their confirmation-draw scores; the choice's
held-out FD on each seed is divided by the best other measured schedule's. Usage: bench/rule-replay.py RUN...
"""
import statistics
import sys

import heldout

ROWS = {"edm:7": "edm", "uniform_t:trailing": "uniform_t"}


def choose(finalists, names, rule):
    means = {f["origin"]: statistics.mean(f["confirmation_scores"]) for f in finalists}
    eligible = list(finalists)
    if rule == "every-draw":
        family = min((f for f in finalists if f["origin"] in names), key=lambda f: means[f["origin"]])
        eligible = [f for f in finalists if f["origin"] in names or
                    all(a < b for a, b in zip(f["confirmation_scores"], family["confirmation_scores"]))]
    return min(eligible, key=lambda f: means[f["origin"]])


print("| run | rule | chosen | held-out FD ratio to the best other, per seed | mean | worst |")
print("|---|---|---|---|---|---|")
for run in sys.argv[1:]:
    reports = heldout.load_run(run)
    validated = next(r for r in reports[1234] if r["schedule"] == "validated")
    record = validated["validation"]
    names = {c["name"] for c in record["candidates"]}
    for rule in ("mean", "every-draw"):
        chosen = choose(record["finalists"], names, rule)
        row = "validated" if chosen["t"] == validated["t"] else ROWS.get(chosen["origin"], chosen["origin"])
        ratios = [heldout.ratio(rows, row) for _, rows in sorted(reports.items())]
        ratios = ratios if None not in ratios else []
        shown = ", ".join(f"{r:.3f}" for r in ratios) if len(ratios) == len(reports) else "not measured"
        summary = f"{statistics.mean(ratios):.3f} | {max(ratios):.3f}" if len(ratios) == len(reports) else " | "
        print(f"| {run} | {rule} | {chosen['origin']} | {shown} | {summary} |")
