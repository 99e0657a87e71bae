"""The `w2sg` command line. Each command group lives in its own module; this file wires them.

Every command catches `W2SGError` at the edge and prints it as one line (exit status 2).
Heavy imports (torch, transformers) happen inside commands so `w2sg --help` stays fast.
"""

from __future__ import annotations

import sys

import typer

from w2sg import __version__
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
    from w2sg.cli import data, detect, models, report, run, select, sweep, synth

    modules: list = [run, data, synth, models, select, detect, sweep, report]
    for module in modules:
        module.register(app)


_register()


def main() -> None:
    """Entry point: run the app, turning W2SGError into one clear line."""
    try:
        app(standalone_mode=False)
    except W2SGError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.secho("interrupted: rerun the same command to resume", err=True)
        sys.exit(130)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        sys.exit(1)
    except Exception as err:  # click's usage errors
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        raise
