"""The root group's machinery: the one error seam, and the one way subcommands are registered (lazily).

Every subcommand of ``plan`` is named in :data:`SUBCOMMANDS` and imported only when it is looked up, so
``plan --flops 1e21`` imports none of their modules. Library errors (:class:`~planner.base.errors.PlannerError`) become one
line on stderr and exit status 1; bad arguments (click's usage errors, and a library
:class:`~planner.base.errors.ArgumentError`) exit 2. Neither shows a traceback.
"""

from __future__ import annotations

import sys
import warnings
from importlib import import_module

import click

from ..base.errors import FRONT_END_WORDS, ArgumentError, PlannerError
from ..base.text import printable
from .errors import WORDS, message
from .streams import prepare

__all__ = ["PlanGroup", "SUBCOMMANDS", "one_line"]

#: name → "module:attribute" of each subcommand of ``plan``, in the order ``plan --help`` lists them.
SUBCOMMANDS = {
    "compare": "planner.cli.compare:compare",
    "versus": "planner.cli.versus:versus_command",
    "distill": "planner.cli.distill:distill",
    "fit": "planner.cli.fit:fit_command",
    "curve": "planner.cli.curve:curve",
    "ladder-points": "planner.cli.ladder_points:ladder_points_command",
    "design": "planner.cli.design:design",
    "hparams": "planner.cli.hparams:hparams",
    "fit-hparams": "planner.cli.hparams:fit_hparams",
    "tasks": "planner.cli.tasks:tasks",
    "fit-tasks": "planner.cli.tasks:fit_tasks_command",
    "presets": "planner.cli.catalogue:presets",
    "cite": "planner.cli.catalogue:cite",
    "hardware": "planner.cli.catalogue:hardware",
    "shape": "planner.cli.catalogue:shape",
    "plot": "planner.cli.plot:plot",
}

#: click >= 8.2 raises this for a group called without its subcommand (an empty tuple catches nothing before).
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def one_line(message: str) -> str:
    """``message`` on one line: control characters a user typed or a file held (a newline, a carriage return, ESC)
    shown escaped (:func:`planner.base.text.printable`)."""

    return printable(message)


def _load(target: str) -> click.Command:
    module, attr = target.split(":")
    return getattr(import_module(module), attr)


class PlanGroup(click.Group):
    """The ``plan`` group: subcommands from :data:`SUBCOMMANDS`, imported when first looked up; errors as one line
    (``Error: ...`` on stderr)."""

    def list_commands(self, ctx) -> list[str]:
        return list(SUBCOMMANDS) + [name for name in self._own if name not in SUBCOMMANDS]

    def get_command(self, ctx, name):
        if name in SUBCOMMANDS and name not in self._own:
            self._own[name] = _load(SUBCOMMANDS[name])
        return self._own.get(name)

    @property  # type: ignore[override]  # click declares a settable attribute; this one loads every command
    def commands(self) -> dict[str, click.Command]:
        """Every subcommand, loaded (help and the documentation tests look at them all)."""
        for name in SUBCOMMANDS:
            self.get_command(None, name)
        return self._own

    @commands.setter
    def commands(self, value) -> None:
        self._own = dict(value)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except PlannerError as e:

            # an argument asked wrongly is a usage error (exit 2), wherever it was found; the rest exit 1
            raise (click.UsageError if isinstance(e, ArgumentError) else click.ClickException)(message(e)) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        # the core's messages name their remedies with the command line's flags while a command runs
        # (planner.base.errors.FRONT_END_WORDS), and with Python's words everywhere else
        token = FRONT_END_WORDS.set(WORDS)
        try:
            return self._main(args, prog_name, complete_var, standalone_mode, **extra)
        finally:
            FRONT_END_WORDS.reset(token)

    def _main(self, args, prog_name, complete_var, standalone_mode, **extra):
        prepare()
        # numpy's floating-point warnings are noise on a command line: every result is checked (planner.planning.checks), and
        # what cannot be computed is one error line.
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as e:  # 'plan plot' alone: its help, as click shows it, not "Error: Usage: ..."
            e.show()
            if not standalone_mode:
                raise
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"Error: {one_line(e.format_message())}", err=True)
            if not standalone_mode:
                raise
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv
