#!/usr/bin/env python3
"""Tabulates a bench/gpu-confirmed.sh run: for each solver and NFE, the validated schedule's held-out FD divided by the
best other schedule's on the same seed, per seed and on the mean over seeds, with what the search chose and spent.

Usage: bench/heldout-table.py RUNDIR   (RUNDIR holds SOLVER-NFE/seed-SEED/report.json). Prints Markdown.
"""
import glob
import os
import statistics
import sys

import heldout

run = sys.argv[1]
print("| solver | NFE | chosen (by) | search draw FD | confirmation mean FD | finalists (confirmation mean) | search s | "
      "model evaluations / budget | held-out FD ratio to the best other, per seed | mean ratio | worst seed |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for folder in sorted(glob.glob(f"{run}/*-*/"), key=lambda f: (f.split("/")[-2].split("-")[0], int(f.split("-")[-1].strip("/")))):
    solver, nfe = os.path.basename(folder.rstrip("/")).split("-")
    reports = heldout.load_run(folder)
    ratios = {seed: heldout.ratio(rows, "validated") for seed, rows in reports.items()}
    ratios = {seed: value for seed, value in ratios.items() if value is not None}
    search = next((r["validation"] for r in reports.get(1234, []) if r["schedule"] == "validated"), None)
    if search is None:
        continue
    finalists = ", ".join(f"{f['origin']} {f['confirmation_mean']:.3f}" for f in search.get("finalists") or [])
    cost = search["cost"]
    per_seed = ", ".join(f"{seed}: {ratio:.3f}" for seed, ratio in sorted(ratios.items()))
    print(f"| {solver} | {nfe} | {search['chosen_by']} | {search['score']:.3f} | "
          f"{search['confirmation_score'] if search.get('confirmation_score') is None else round(search['confirmation_score'], 3)} | "
          f"{finalists} | {cost['seconds']:.1f} | {cost['model_evaluations']:,} / {cost['budget']:,} | {per_seed} | "
          f"{statistics.mean(ratios.values()):.3f} | {max(ratios.values()):.3f} |")
