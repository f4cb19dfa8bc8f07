"""Held-out comparisons shared by the bench scripts that judge validated runs (heldout-table.py, rule-replay.py,
as-built.py): a run folder's reports by seed, and the ratio the issue's targets are stated in."""
import glob
import json


def load_run(folder):
    """{seed: rows} from FOLDER/*seed-SEED/report.json (hso evaluate's reports, one per held-out seed)."""
    return {int(path.split("seed-")[-1].split("/")[0]): json.load(open(path))["rows"]
            for path in glob.glob(f"{folder}/*seed-*/report.json")}


def ratio(rows, name):
    """FD of the schedule called NAME over the best FD among every schedule but the validated one: the validated
    schedule against the best other, or a family the search chose against the best of all the families (1.000 where
    it is that best). None where NAME was not measured."""
    fd = {r["schedule"]: r["fd"] for r in rows}
    if name not in fd:
        return None
    return fd[name] / min(v for k, v in fd.items() if k != "validated")
