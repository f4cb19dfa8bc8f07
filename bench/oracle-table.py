#!/usr/bin/env python3
"""README rows of the held-out oracle runs (bench/HsoService.Bench oracle): one row per OUTDIR, from its
heldout.json and search.json. Usage: bench/oracle-table.py OUTDIR..."""
import json
import sys
from pathlib import Path


def row(folder):
    held = json.loads((folder / "heldout.json").read_text())
    search = json.loads((folder / "search.json").read_text())["validation"]
    ratios = [r["ratio"] for r in held["rows"]]
    fit = held["rows"][0]
    cells = [held["solver"], str(held["nfe"]), str(search["schedules_measured"]), f"{search['cost']['seconds']:.1f} s", search["chosen_by"],
             f"{fit['fd']['oracle']:.3f} / {fit['fd'][fit['best_family']]:.3f} ({fit['best_family']})"]
    cells += [f"{r:.3f}" for r in ratios] + [f"{sum(ratios) / len(ratios):.3f}"]
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for arg in sys.argv[1:]:
        print(row(Path(arg)))
