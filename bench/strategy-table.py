#!/usr/bin/env python3
"""The validated mode's strategies against the issue's targets, from a run of bench/strategies.sh: for DPM-Solver++
and UniPC at each NFE, every strategy's model evaluations (on a fresh model: teacher run, search and confirmation),
its seconds in the run, and the held-out FD of its chosen schedule over the best family's on each of the seeds 1234,
5000, 20000 and 40000 (1797 samples), with the four-seed mean. Where a strategy served a family, that family's FD is
the one docs/evaluation/auto measured on the same seeds. Today's FD search comes from the as-built table
(bench/as-built.py; its ratio is against the best other schedule, HSO included, which was never the best; where it
kept a family, that family against the four in docs/evaluation/auto) and its cost is the issue's reference budget,
2048 samples x NFE x 160 measurements. Prints a Markdown table and writes an SVG
plot (no plotting library needed).

With --rule every-draw the runs' confirmation is replayed with that rule (a proposal must beat the best family on
every draw, else that family is served): it only ever serves a family where the run served a proposal, so every FD
it needs was measured.

Usage: bench/strategy-table.py [--rule mean|every-draw] [RUN_DIR] [SVG]   (run from the repository root; default
docs/evaluation/strategies)
"""
import importlib.util
import json
import statistics
import sys

SEEDS = [1234, 5000, 20000, 40000]
HELD_OUT = 1797  # samples behind the families' FD in docs/evaluation/auto: other counts are not comparable with them
AUTO = "docs/evaluation/auto"
# The strategies' family names and the names docs/evaluation/auto measured them under.
FAMILIES = {"uniform_t:trailing": "uniform_t", "uniform_lambda": "uniform_lambda", "edm:7": "edm", "ays": "ays"}
STRATEGIES = ["trajectory", "teacher", "refine"]


def family_fd():
    """{(solver, nfe, seed): {family: fd}} from the auto reports."""
    table = {}
    for seed in SEEDS:
        for row in json.load(open(f"{AUTO}/seed-{seed}/report.json"))["rows"]:
            if row["schedule"] in FAMILIES.values():
                table.setdefault((row["solver"], row["nfe"], seed), {})[row["schedule"]] = row["fd"]
    return table


def as_built():
    """{(solver, nfe): (ratios by seed, chosen)} of today's search, from bench/as-built.py's sources."""
    spec = importlib.util.spec_from_file_location("as_built", "bench/as-built.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, "bench")
    spec.loader.exec_module(module)
    return {key: (entry[0], entry[1]) for key, entry in module.collect(module.SOURCES).items() if entry is not None}


def search_seconds():
    """Seconds of today's search where it ran on this CPU (the as-built reports at seed 1234)."""
    spec = importlib.util.spec_from_file_location("as_built", "bench/as-built.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seconds = {}
    for (solver, nfe), (kind, what, where) in module.SOURCES.items():
        if kind == "run" and where == "CPU":
            for row in json.load(open(f"{what}/seed-1234/report.json"))["rows"]:
                if row["schedule"] == "validated":
                    seconds[solver, nfe] = row["validation"]["cost"]["seconds"]
    return seconds


def ratios(run, families):
    """{seed: ratio} of a strategy's chosen schedule against the best family on each seed; None where its held-out FD
    is not measured yet (a run still going: bench/strategies.sh resumes it) or was measured on another number of
    samples than the families' (the smoke run)."""
    if run["chosen_by"] not in FAMILIES and (not run["fd"] or run["heldout_samples"] != HELD_OUT):
        return None
    result = {}
    for seed in SEEDS:
        fds = families[run["solver"], run["nfe"], seed]
        best = min(fds.values())
        if run["chosen_by"] in FAMILIES:
            fd = fds[FAMILIES[run["chosen_by"]]]
        else:
            fd = run["fd"][str(seed)]
        result[seed] = fd / best
    return result


def replay(run, folder):
    """The run as the every-draw rule would have chosen: its proposal only where it beat the best family on every draw."""
    if run["chosen_by"] in FAMILIES:
        return run
    validation = json.load(open(f"{folder}/runs/{run['strategy']}-{run['solver']}-{run['nfe']}.json"))["validation"]
    finalists = validation["finalists"]
    family = min((f for f in finalists if f["origin"] in FAMILIES), key=lambda f: statistics.mean(f["confirmation_scores"]))
    chosen = next(f for f in finalists if f["origin"] == run["chosen_by"])
    if all(a < b for a, b in zip(chosen["confirmation_scores"], family["confirmation_scores"])):
        return run
    return dict(run, chosen_by=family["origin"])


def collect(folder, rule="mean"):
    runs = json.load(open(f"{folder}/runs/runs.json"))
    if rule == "every-draw":
        runs = [replay(run, folder) for run in runs]
    families = family_fd()
    built = as_built()
    seconds = search_seconds()
    table = {}
    for run in runs:
        key = (run["solver"], run["nfe"])
        table.setdefault(key, {})[run["strategy"]] = (ratios(run, families), run["chosen_by"], run["evaluations"], run["seconds"])
    for key in table:
        # The one family whose worst held-out seed is best, chosen knowing every seed: what a family choice could reach.
        per = {name: {seed: families[key[0], key[1], seed][name] / min(families[key[0], key[1], seed].values()) for seed in SEEDS}
               for name in FAMILIES.values()}
        oracle = min(per, key=lambda name: max(per[name].values()))
        table[key]["best one family"] = (per[oracle], f"{oracle} (knowing the seeds)", None, None)
        reference = 2048 * key[1] * 160
        found = built.get(key)
        ratio = found[0] if found else None
        if found and found[1] in FAMILIES.values():
            # The search kept a family: judged, like the strategies, against all four families of docs/evaluation/auto
            # (the as-built table's later seeds had only uniform_lambda beside it).
            ratio = {seed: families[key[0], key[1], seed][found[1]] / min(families[key[0], key[1], seed].values()) for seed in SEEDS}
        table[key]["search"] = (ratio, found[1] if found else "not measured", reference, seconds.get(key))
    return table


def verdict(strategy, nfe, ratio, evaluations, search_mean):
    if ratio is None or len(ratio) < len(SEEDS):
        return ""
    mean = statistics.mean(ratio.values())
    cheap = evaluations * 20 <= 2048 * nfe * 160
    safe = max(ratio.values()) <= 1.02
    better = mean <= 0.80 if nfe <= 4 else (search_mean is not None and mean <= search_mean + 1e-9)
    marks = ["cost " + ("yes" if cheap else "no"), "<=1.02 " + ("yes" if safe else "no"), "mean " + ("yes" if better else "no")]
    return ", ".join(marks)


def markdown(table):
    print("| solver | NFE | strategy | chosen | model evaluations | of the search's | seconds | seed 1234 | 5000 | 20000 | 40000 | mean | targets |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for (solver, nfe), strategies in sorted(table.items()):
        search = strategies["search"]
        search_mean = statistics.mean(search[0].values()) if search[0] else None
        for name in STRATEGIES + ["search", "best one family"]:
            if name not in strategies:
                continue
            ratio, chosen, evaluations, seconds = strategies[name]
            share = f"1/{2048 * nfe * 160 / evaluations:.0f}" if name in STRATEGIES else ("1" if evaluations else "")
            cells = " | ".join(f"{ratio[s]:.3f}" if ratio and s in ratio else "" for s in SEEDS)
            mean = f"{statistics.mean(ratio.values()):.3f}" if ratio else ""
            time = f"{seconds:.0f}" if seconds is not None else ("H200" if ratio and name == "search" else "")
            count = f"{evaluations:,}" if evaluations else ""
            print(f"| {solver} | {nfe} | {name} | {chosen} | {count} | {share} | {time} | {cells} | {mean} | "
                  f"{verdict(name, nfe, ratio, evaluations, search_mean) if name in STRATEGIES else ''} |")


def proposals(folder):
    """Each strategy's proposal on its confirmation draws (samples its search never saw) against the best family there:
    how far each way of searching got before the confirmation chose."""
    runs = json.load(open(f"{folder}/runs/runs.json"))
    print("\n| solver | NFE | strategy | proposal | its mean / best family's mean on the confirmation draws | draws it won |")
    print("|---|---|---|---|---|---|")
    for run in sorted(runs, key=lambda r: (r["solver"], r["nfe"], STRATEGIES.index(r["strategy"]))):
        finalists = json.load(open(f"{folder}/runs/{run['strategy']}-{run['solver']}-{run['nfe']}.json"))["validation"]["finalists"]
        family = min((f for f in finalists if f["origin"] in FAMILIES), key=lambda f: statistics.mean(f["confirmation_scores"]))
        for proposal in (f for f in finalists if f["origin"] not in FAMILIES):
            won = sum(a < b for a, b in zip(proposal["confirmation_scores"], family["confirmation_scores"]))
            ratio = statistics.mean(proposal["confirmation_scores"]) / statistics.mean(family["confirmation_scores"])
            print(f"| {run['solver']} | {run['nfe']} | {run['strategy']} | {proposal['origin']} | {ratio:.3f} | {won} of {len(family['confirmation_scores'])} |")
        if not any(f["origin"] not in FAMILIES for f in finalists):
            print(f"| {run['solver']} | {run['nfe']} | {run['strategy']} | a family's own times | 1.000 | |")


def svg(table, path):
    """Four-seed mean ratio by NFE, one panel per solver, one line per strategy; whiskers span the four seeds."""
    colours = {"trajectory": "#1f77b4", "teacher": "#2ca02c", "refine": "#d62728", "search": "#7f7f7f"}
    width, height, left, top, panel = 900, 380, 60, 40, 400
    low, high = 0.6, 1.2
    nfes = sorted({nfe for _, nfe in table})
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             '<rect width="100%" height="100%" fill="white"/>']
    for p, solver in enumerate(["dpmpp2m", "unipc"]):
        x0 = left + p * (panel + 40)
        plot_h = height - top - 60

        def x(nfe):
            return x0 + 20 + (panel - 40) * nfes.index(nfe) / max(len(nfes) - 1, 1)

        def y(value):
            value = min(max(value, low), high)
            return top + plot_h * (high - value) / (high - low)

        parts.append(f'<text x="{x0 + panel / 2}" y="{top - 15}" text-anchor="middle" font-weight="bold">{solver}: held-out FD / best family</text>')
        parts.append(f'<rect x="{x0}" y="{top}" width="{panel}" height="{plot_h}" fill="none" stroke="#999"/>')
        for tick in [0.6, 0.8, 1.0, 1.02, 1.2]:
            parts.append(f'<line x1="{x0}" x2="{x0 + panel}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{"#c00" if tick in (0.8, 1.02) else "#ddd"}" stroke-dasharray="{"4 3" if tick in (0.8, 1.02) else ""}"/>')
            parts.append(f'<text x="{x0 - 5}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
        for nfe in nfes:
            parts.append(f'<text x="{x(nfe):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{nfe}</text>')
        parts.append(f'<text x="{x0 + panel / 2}" y="{top + plot_h + 36}" text-anchor="middle">NFE</text>')
        for k, name in enumerate(STRATEGIES + ["search"]):
            points = []
            for nfe in nfes:
                entry = table.get((solver, nfe), {}).get(name)
                if entry and entry[0] and len(entry[0]) == len(SEEDS):
                    values = list(entry[0].values())
                    shift = (k - 1.5) * 4
                    points.append((x(nfe) + shift, y(statistics.mean(values))))
                    parts.append(f'<line x1="{x(nfe) + shift:.1f}" x2="{x(nfe) + shift:.1f}" y1="{y(min(values)):.1f}" y2="{y(max(values)):.1f}" stroke="{colours[name]}" opacity="0.5"/>')
            if points:
                parts.append(f'<polyline fill="none" stroke="{colours[name]}" stroke-width="2" points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in points)}"/>')
                parts.extend(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colours[name]}"/>' for a, b in points)
            parts.append(f'<rect x="{x0 + 10 + k * 95}" y="{top + plot_h + 45}" width="10" height="10" fill="{colours[name]}"/>'
                         f'<text x="{x0 + 24 + k * 95}" y="{top + plot_h + 54}">{name}</text>')
    parts.append("</svg>")
    with open(path, "w") as file:
        file.write("\n".join(parts) + "\n")


def main():
    args = sys.argv[1:]
    rule = "mean"
    if args[:1] == ["--rule"]:
        rule, args = args[1], args[2:]
    folder = args[0] if args else "docs/evaluation/strategies"
    table = collect(folder, rule)
    markdown(table)
    proposals(folder)
    if len(args) > 1:
        svg(table, args[1])
        print(f"\nwrote {args[1]}")


if __name__ == "__main__":
    main()
