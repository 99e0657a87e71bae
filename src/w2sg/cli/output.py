"""What the commands print: progress lines on stderr and the headline of a result."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console


def console() -> Console:
    """The console of progress and result lines (stderr: stdout stays for data)."""
    return Console(stderr=True)


def logger(out: Console) -> Callable[[str], None]:
    """A `log(message)` for the runs: one prefixed line per message."""
    return lambda message: out.print(f"[bold cyan]w2sg[/] {message}")


def headline(out: Console, results: dict) -> None:
    """weak, w2s, ceiling accuracy and PGR of a run's results.json."""
    if results.get("weak") is None:
        out.print("[bold red]the probes stage did not run[/]; see summary.md for why")
        return
    pgr = (results.get("pgr") or {}).get("accuracy")
    reasons = (results.get("pgr_reasons") or {}).get("accuracy")
    if isinstance(reasons, list):  # several seeds: one reason per seed without a PGR
        reasons = f"{len(reasons)} seed(s) without one: " + "; ".join(reasons)
    shown = f"[bold]PGR[/] {pgr:.3f}" if pgr is not None else str(reasons or "no PGR")
    if pgr is not None and reasons:
        shown += f" (over the seeds that have one; {reasons})"
    out.print(
        f"[bold]weak[/] {results['weak']['accuracy']:.4f}  [bold]w2s[/] "
        f"{results['w2s']['accuracy']:.4f}  [bold]ceiling[/] {results['ceiling']['accuracy']:.4f}"
        f"  {shown}"
    )
