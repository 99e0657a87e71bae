"""The `w2sg` command line. Each command group lives in its own module; this file wires them.

Every command's `W2SGError` and every usage error is printed as one line (exit status 2);
Ctrl-C is exit status 130 with a line saying to rerun.
Heavy imports (torch, transformers) happen inside commands so `w2sg --help` stays fast.
"""

from __future__ import annotations

import os
import sys

import typer

from w2sg import __version__
from w2sg.cli import (
    data,
    detect,
    finetune,
    gap,
    interventions,
    models,
    probes,
    report,
    results,
    run,
    select,
    sweep,
    synth,
)
from w2sg.cli.build import one_paragraph
from w2sg.errors import W2SGError

app = typer.Typer(
    name="w2sg",
    help="Weak-to-strong generalization through the lens of overlap density.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"w2sg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Weak-to-strong generalization through the lens of overlap density."""


def _register() -> None:
    # One import per command group; each module defines `register(app)`.

    modules: list = [run, data, synth, models, select, detect, sweep, gap, report]
    modules += [interventions, probes, finetune, results]
    for module in modules:
        module.register(app)
    _one_paragraph_help(app)


def _one_paragraph_help(group: typer.Typer) -> None:
    """Every command's help as one paragraph: docstrings wrap for the source, not the terminal."""
    for info in group.registered_commands:
        text = info.help or (info.callback.__doc__ if info.callback else None)
        if text:
            info.help = one_paragraph(text)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _one_paragraph_help(sub.typer_instance)


_register()


def _is_click_error(err: BaseException) -> bool:
    """A click error from either hierarchy: the `click` package or typer's own copy of it.

    Duck-typed on the class names, so it holds whatever the typer and click versions are.
    """
    return any(c.__name__ == "ClickException" for c in type(err).__mro__)


def _is_named(err: BaseException, name: str) -> bool:
    return any(c.__name__ == name for c in type(err).__mro__)


def _caused_by_interrupt(err: BaseException) -> bool:
    """True when Ctrl-C is behind `err`: the click package's Abort, or a library that wrapped
    the KeyboardInterrupt (e.g. `__set_name__` during an import cut short)."""
    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, KeyboardInterrupt):
            return True
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return False


def _usage_line(err: BaseException) -> str:
    """One line for a click usage error: the problem and where to read the command's help."""
    # click's and typer's copy of click share no error class: duck-typed (see _is_click_error)
    message = " ".join(str(err.format_message()).split())  # type: ignore[attr-defined]
    ctx = getattr(err, "ctx", None)
    if ctx is not None and _is_named(err, "UsageError"):
        message += f" (see '{ctx.command_path} --help')"
    return message


def _interrupted() -> int:
    typer.secho("interrupted: rerun the same command to resume", fg=typer.colors.YELLOW, err=True)
    return 130


def _error(message: str) -> int:
    typer.secho(f"error: {' '.join(message.split())}", fg=typer.colors.RED, err=True)
    return 2


def run_cli(args: list[str] | None = None) -> int:
    """Run the app on `args` (default: sys.argv) and return the exit status.

    Usage errors and `W2SGError` become one `error:` line and status 2; Ctrl-C becomes status
    130 with the line that says to rerun. Typer's own click copy turns Ctrl-C into an exit
    status of 130 that `standalone_mode=False` returns instead of raising, and the separate
    click package turns it into `Abort`: both are recognised here.
    """
    try:
        rv = app(args=args, standalone_mode=False, prog_name="w2sg")
    except W2SGError as err:
        return _error(str(err))
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as err:
        if _is_named(err, "NoArgsIsHelpError"):  # `w2sg models`: the help, as click does
            err.show()  # type: ignore[attr-defined]  # click's error, found by name (above)
            return 2
        if _is_click_error(err):
            _error(_usage_line(err))
            return 2
        if _caused_by_interrupt(err):  # click's Abort, or an import that Ctrl-C cut short
            return _interrupted()
        if _is_named(err, "Abort"):
            return 1
        if _is_named(err, "Exit"):
            return int(getattr(err, "exit_code", 0) or 0)
        if isinstance(err, OSError) and err.strerror:  # disk full, permission denied, ...
            where = f": {err.filename}" if err.filename else ""
            return _error(f"{err.strerror}{where}")
        if os.environ.get("W2SG_DEBUG"):
            raise
        typer.secho(
            f"internal error: {type(err).__name__}: {' '.join(str(err).split())} "
            "(a bug in w2sg; rerun with W2SG_DEBUG=1 for the traceback and report it)",
            fg=typer.colors.RED,
            err=True,
        )
        return 1
    if isinstance(rv, int) and not isinstance(rv, bool):  # an Exit(code) that click returned
        return _interrupted() if rv == 130 else rv
    return 0


def main() -> None:
    """Entry point: exit with `run_cli`'s status; an error is one line, never a traceback.

    After Ctrl-C the process leaves at once with 130: a KeyboardInterrupt that surfaced inside
    C code run through `PyRun_*` (pybind11, used by torch) leaves CPython flagged to kill
    itself with SIGINT at exit even though w2sg handled it, which a parent sees as -2.
    """
    status = run_cli()
    if status == 130:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(status)
