"""What a sweep folder reports, as blocks built from its sweep.json, manifest.json and
statistics.json alone: the state of its cells, PGR per dataset (guarded rows marked), across
datasets, and the paired tests (docs/methods.md#statistics, #sweeps).
"""

from __future__ import annotations

import math
from typing import Any

from w2sg.report.blocks import Block, Bullets, Code, Heading, Paragraph, Table

TEST_COLUMNS = (
    "datasets",
    "wins",
    "losses",
    "mean diff",
    "t-test p (one-sided)",
    "Wilcoxon p (one-sided)",
    "note",
)


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def per_dataset_table(rows: list[dict]) -> Table:
    """Weak, w2s, ceiling, PGR [95 % CI], overlap, slope; rows the gap guard excludes marked."""
    cells = []
    for r in rows:
        ci = f"{_fmt(r['pgr_mean'])} [{_fmt(r['pgr_lo'])}, {_fmt(r['pgr_hi'])}]"
        cells.append(
            (
                r["dataset"],
                r["method"],
                _fmt(r["weak"]),
                _fmt(r["w2s"]),
                _fmt(r["ceiling"]),
                ci,
                _fmt(r["pgr_median"]),
                _fmt(r["overlap_share"]),
                _fmt(r["mixing_slope"]),
                r["note"] or "",
            )
        )
    return Table(
        (
            "dataset",
            "method",
            "weak",
            "w2s",
            "ceiling",
            "PGR mean [95% CI]",
            "PGR median",
            "overlap share",
            "mixing slope",
            "note",
        ),
        cells,
        guarded=[bool(r.get("guarded")) for r in rows],
    )


def _across(rows: list[dict]) -> Table:
    return Table(
        ("method", "pair", "datasets", "excluded", "PGR mean", "PGR median"),
        [
            (
                r["method"],
                f"{r['weak_model']} -> {r['strong_model']}",
                str(r["datasets"]),
                str(r["excluded"]),
                _fmt(r["pgr_mean"]),
                _fmt(r["pgr_median"]),
            )
            for r in rows
        ],
    )


def _tests(rows: list[dict], title: str) -> list[Block]:
    """Paired tests, one row per method (against the baseline or W2S against weak)."""
    cells = [
        (
            r["method"] + (f" vs {r['baseline']}" if "baseline" in r else ""),
            str(r["n"]),
            str(r["wins"]),
            str(r["losses"]),
            _fmt(r["mean_diff"], 4),
            _fmt(r["t_p"], 4),
            _fmt(r["wilcoxon_p"], 4),
            r["note"] or "",
        )
        for r in rows
    ]
    return [Heading(2, title), Table(("method", *TEST_COLUMNS), cells)]


def _arms(rows: list[dict]) -> list[Block]:
    """Each arm against its cell's plain student across tasks (docs/methods.md#the-benchmark)."""
    cells = [
        (
            f"{r['method']}: {r['arm']} vs {r['reference']}",
            str(r["n"]),
            str(r["wins"]),
            str(r["losses"]),
            f"{_fmt(r['mean_diff'], 4)} [{_fmt(r['diff_lo'], 4)}, {_fmt(r['diff_hi'], 4)}]",
            _fmt(r["t_p"], 4),
            _fmt(r["wilcoxon_p"], 4),
            f"{r['pair_wins']} / {r['pairs']}",
        )
        for r in rows
    ]
    header = ("arm", "tasks", "wins", "losses", "mean diff [95% CI]", "t-test p", "Wilcoxon p")
    return [
        Heading(2, "Arms against the plain student (one-sided, across tasks)"),
        Table((*header, "wins over (task, seed)"), cells),
    ]


def _cells(config: dict, manifest: dict) -> list[Block]:
    """The title, how many cells are in which state, the guard, the failed cells."""
    counts: dict[str, int] = {}
    for e in manifest["cells"].values():
        counts[e["state"]] = counts.get(e["state"], 0) + 1
    blocks: list[Block] = [
        Heading(1, f"Sweep {config['name']}"),
        Paragraph("Cells: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) + "."),
        Paragraph(
            f"Metric: {config['metric']}; PGR guard margin: ceiling - weak >= "
            f"{config['guard_margin']:g} (below it a dataset is shown but left out of the PGR "
            "statistics)."
        ),
    ]
    failed = [(k, e["error"]) for k, e in manifest["cells"].items() if e["state"] == "failed"]
    if failed:
        blocks += [
            Heading(2, "Failed cells"),
            Bullets([(Code(k), f": {err}") for k, err in failed]),
        ]
    return blocks


def sweep_blocks(config: dict, manifest: dict, statistics: dict) -> list[Block]:
    """A sweep's report from its config (sweep.json), manifest and statistics.json."""
    blocks = _cells(config, manifest)
    if not statistics.get("per_dataset"):
        return [*blocks, Paragraph("No finished cells yet.")]
    blocks += [
        Heading(2, "Per dataset (means over seeds)"),
        per_dataset_table(statistics["per_dataset"]),
        Heading(2, "Across datasets"),
        _across(statistics.get("across_datasets") or []),
    ]
    if statistics.get("vs_baseline"):
        blocks += _tests(statistics["vs_baseline"], "Against the baseline (PGR)")
    if statistics.get("arms_vs_reference"):
        blocks += _arms(statistics["arms_vs_reference"])
    return blocks + _tests(statistics.get("w2s_vs_weak") or [], "W2S against weak (per dataset)")
