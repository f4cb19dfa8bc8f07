#!/usr/bin/env python3
"""Replays validated mode's choice among finalists on the GPU searches of docs/evaluation/validated/runs.

For each (solver, NFE): the finalists are the two best candidates on the search's draw and the searched schedule
(the run did not keep the upper level's best, so that finalist is missing); each is scored by its mean FD over the
confirmation draws in docs/evaluation/validated/confirmation/ (hso evaluate --remeasure, 2048 samples per draw), the
lowest mean is chosen, and its held-out FD on seeds 1234 (all schedules) and 5000, 20000, 40000 (remeasured/) is
divided by the best other schedule's on the same seed. Prints a Markdown table. Run from the repository root.
"""
import glob
import json
import statistics

BASE = "docs/evaluation/validated"
NAMES = {"edm:7": "edm", "uniform_lambda": "uniform_lambda", "ays": "ays", "uniform_t:trailing": "uniform_t"}


def rows(path):
    return {(r["solver"], r["nfe"], r["schedule"]): r["fd"] for r in json.load(open(path))["rows"]}


held = {1234: rows(f"{BASE}/report.json")}
for seed in (5000, 20000, 40000):
    held[seed] = rows(f"{BASE}/remeasured/seed-{seed}/report.json")
draws = {}
for folder in sorted(glob.glob(f"{BASE}/confirmation/seed-*")):
    seed = int(folder.split("seed-")[1].split("-")[0])
    draws.setdefault(seed, {}).update(rows(f"{folder}/report.json"))

print("| solver | NFE | finalists: mean FD over the confirmation draws | chosen | held-out ratio " +
      " | ".join(f"seed {s}" for s in held) + " | mean | before (chosen on the search's draw) |")
print("|---|---|---|---|" + "---|" * len(held) + "---|---|")
for solver in ("dpmpp2m", "unipc"):
    for nfe in (4, 5, 6, 8, 10):
        run = json.load(open(f"{BASE}/runs/{solver}-{nfe}.json"))
        search = next(r["validation"] for r in run["rows"] if r.get("validation"))
        ranked = sorted((c["score"], c["name"]) for c in search["candidates"] if c.get("score") is not None)
        finalists = [NAMES[name] for _, name in ranked[:2]] + ["validated"]
        means = {f: statistics.mean(d[(solver, nfe, f)] for d in draws.values()) for f in finalists}
        chosen = min(finalists, key=means.get)

        def ratios(name):
            result = []
            for seed, measured in held.items():
                others = [fd for (s, n, schedule), fd in measured.items() if s == solver and n == nfe and schedule != "validated"]
                result.append(measured[(solver, nfe, name)] / min(others))
            return result

        now, before = ratios(chosen), ratios("validated")
        print(f"| {solver} | {nfe} | " + ", ".join(f"{f} {means[f]:.3f}" for f in finalists) + f" | {chosen} | " +
              " | ".join(f"{r:.3f}" for r in now) + f" | {statistics.mean(now):.3f} | {statistics.mean(before):.3f} |")
