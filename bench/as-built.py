#!/usr/bin/env python3
"""The validated mode as built (confirmation draws, `mean` rule) against the issue's targets, from the reports kept in
docs/evaluation/validated: for each solver and NFE, the chosen schedule's held-out FD divided by the best other
schedule's on the same seed (1797 samples; seeds 1234, 5000, 20000, 40000). Prints a Markdown table and writes an SVG
plot (no plotting library needed).

Each setting's evidence is named in SOURCES: a run of bench/gpu-confirmed.sh (its SOLVER-NFE folder holds one report
per held-out seed, the validated schedule among the others), or, where the search chose a training-free family, that
family's FD in the earlier reports that measured every schedule on the same seeds.

With --run FOLDER WHERE, every setting comes from one run of bench/gpu-confirmed.sh instead (FOLDER/SOLVER-NFE),
for a run made with other settings than the as-built table's (for example a larger K).

Usage: bench/as-built.py [--run FOLDER WHERE] [SVG]   (run from the repository root; default SVG
docs/evaluation/validated/as-built.svg)
"""
import json
import statistics
import sys

import heldout

ROOT = "docs/evaluation/validated"
SEEDS = [1234, 5000, 20000, 40000]

# (solver, nfe) -> ("run", folder, where it ran) or ("family", name, where the search ran).
SOURCES = {
    ("dpmpp2m", 4): ("run", f"{ROOT}/cpu-confirmed-160/dpmpp2m-4", "CPU"),
    ("dpmpp2m", 5): ("run", f"{ROOT}/cpu-confirmed-160/dpmpp2m-5", "CPU"),
    ("dpmpp2m", 6): ("run", f"{ROOT}/gpu-confirmed/dpmpp2m-6", "H200 (seed 1234), CPU"),
    ("dpmpp2m", 8): ("family", "edm", "H200"),
    ("dpmpp2m", 10): ("run", f"{ROOT}/cpu-confirmed-160/dpmpp2m-10", "CPU"),
    ("unipc", 4): ("run", f"{ROOT}/cpu-confirmed-160/unipc-4", "CPU"),
    ("unipc", 5): ("family", "edm", "H200"),
    ("unipc", 6): ("family", "edm", "H200"),
    ("unipc", 8): ("run", f"{ROOT}/cpu-confirmed-160/unipc-8", "CPU"),
    ("unipc", 10): ("run", f"{ROOT}/cpu-confirmed-160/unipc-10-full", "CPU"),
}


def rows(path, solver, nfe):
    return [r for r in json.load(open(path))["rows"] if r["solver"] == solver and r["nfe"] == nfe]


def from_run(folder, solver, nfe):
    reports = heldout.load_run(folder)
    ratios = {seed: heldout.ratio(found, "validated") for seed, found in reports.items()}
    chosen = next((r["validation"]["chosen_by"] for r in reports.get(1234, []) if r["schedule"] == "validated"), None)
    return {seed: value for seed, value in ratios.items() if value is not None}, chosen


def from_family(name, solver, nfe):
    # Seed 1234: the H200 run that measured all six other schedules; other seeds: the CPU remeasures (edm, uniform_lambda).
    ratios = {1234: heldout.ratio(rows(f"{ROOT}/runs/{solver}-{nfe}.json", solver, nfe), name)}
    for seed in SEEDS[1:]:
        ratios[seed] = heldout.ratio(rows(f"{ROOT}/remeasured/seed-{seed}/report.json", solver, nfe), name)
    return ratios, name


def collect(sources):
    table = {}
    for (solver, nfe), source in sources.items():
        kind, what, where = source
        ratios, chosen = from_run(what, solver, nfe) if kind == "run" else from_family(what, solver, nfe)
        # A run still going (or never made) has no report at seed 1234 yet.
        table[solver, nfe] = (ratios, chosen, where) if 1234 in ratios else None
    return table


def markdown(table):
    print("| solver | NFE | chosen | search ran on | seed 1234 | 5000 | 20000 | 40000 | mean | 1234 never worse | 15% lower |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (solver, nfe), entry in table.items():
        if entry is None:
            print(f"| {solver} | {nfe} | not measured | | | | | | | | |")
            continue
        ratios, chosen, where = entry
        cells = " | ".join(f"{ratios[s]:.3f}" if s in ratios else "" for s in SEEDS)
        target = ("yes" if ratios[1234] <= 0.85 else "no") if nfe in (6, 8) else ""
        print(f"| {solver} | {nfe} | {chosen} | {where} | {cells} | {statistics.mean(ratios.values()):.3f} | "
              f"{'yes' if ratios[1234] <= 1.0 else 'no'} | {target} |")


def svg(table, path):
    width, height, left, top, panel, gap, plot_h = 880, 380, 60, 40, 370, 60, 280
    low, high = 0.6, 1.2
    nfes = [4, 5, 6, 8, 10]
    colours = {1234: "#d62728", 5000: "#1f77b4", 20000: "#2ca02c", 40000: "#9467bd"}

    def y(value):
        return top + (high - value) / (high - low) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for p, solver in enumerate(["dpmpp2m", "unipc"]):
        x0 = left + p * (panel + gap)

        def x(i):
            return x0 + (i + 0.5) * panel / len(nfes)

        out.append(f'<text x="{x0 + panel / 2}" y="{top - 15}" text-anchor="middle" font-size="14">{solver}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{panel}" height="{plot_h}" fill="none" stroke="#444"/>')
        for tick in [0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]:
            out.append(f'<text x="{x0 - 6}" y="{y(tick) + 4}" text-anchor="end">{tick:.1f}</text>')
        for value, label, dash in [(1.0, "never worse", ""), (0.85, "15% lower", ' stroke-dasharray="5,4"')]:
            out.append(f'<line x1="{x0}" x2="{x0 + panel}" y1="{y(value)}" y2="{y(value)}" stroke="#888"{dash}/>')
            out.append(f'<text x="{x0 + panel - 4}" y="{y(value) - 4}" text-anchor="end" fill="#666">{label}</text>')
        for i, nfe in enumerate(nfes):
            out.append(f'<text x="{x(i)}" y="{top + plot_h + 18}" text-anchor="middle">{nfe}</text>')
            entry = table.get((solver, nfe))
            if entry is None:
                out.append(f'<text x="{x(i)}" y="{y(0.75)}" text-anchor="middle" font-size="10" fill="#999">not measured</text>')
                continue
            ratios = entry[0]
            for k, seed in enumerate(SEEDS):
                if seed in ratios:
                    cx = x(i) - 12 + 8 * k
                    out.append(f'<circle cx="{cx}" cy="{y(ratios[seed])}" r="4" fill="{colours[seed]}"/>')
            mean = statistics.mean(ratios.values())
            out.append(f'<line x1="{x(i) - 18}" x2="{x(i) + 18}" y1="{y(mean)}" y2="{y(mean)}" stroke="black" stroke-width="2"/>')
        out.append(f'<text x="{x0 + panel / 2}" y="{top + plot_h + 36}" text-anchor="middle">NFE</text>')
    out.append(f'<text x="16" y="{top + plot_h / 2}" transform="rotate(-90 16 {top + plot_h / 2})" text-anchor="middle">'
               'held-out FD / best other schedule</text>')
    for k, seed in enumerate(SEEDS):
        out.append(f'<circle cx="{left + 110 * k + 6}" cy="{height - 12}" r="4" fill="{colours[seed]}"/>')
        out.append(f'<text x="{left + 110 * k + 14}" y="{height - 8}">seed {seed}</text>')
    out.append(f'<line x1="{left + 450}" x2="{left + 480}" y1="{height - 12}" y2="{height - 12}" stroke="black" stroke-width="2"/>')
    out.append(f'<text x="{left + 486}" y="{height - 8}">mean of the seeds</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    args, sources = sys.argv[1:], SOURCES
    if args[:1] == ["--run"]:
        folder, where, args = args[1], args[2], args[3:]
        sources = {key: ("run", f"{folder}/{key[0]}-{key[1]}", where) for key in SOURCES}
    table = collect(sources)
    markdown(table)
    svg(table, args[0] if args else f"{ROOT}/as-built.svg")
