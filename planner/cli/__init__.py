"""The ``plan`` command line: thin click commands over the library.

Each command reads like four steps: parse its options, load the law, one call that answers (a
:mod:`planner.report` builder over the core), render (:mod:`planner.report.render`).

- :mod:`~planner.cli.group`: the root group's one error seam and one (lazy) way of registering subcommands.
- :mod:`~planner.cli.plan`: ``plan`` itself (budgets, what-ifs, targets, constraints, hardware, intervals).
- what the commands share, by concern: :mod:`~planner.cli.types` (parameter types, the option decorator),
  :mod:`~planner.cli.completion` (shell completion), :mod:`~planner.cli.inputs` (the law and runs files a command
  reads), :mod:`~planner.cli.plan_options` (budgets, cluster, constraints, shapes, --ci), :mod:`~planner.cli.output`
  (results on stdout, warnings on stderr, --format, -o FILE).
- :mod:`~planner.cli.compare`, :mod:`~planner.cli.catalogue`, :mod:`~planner.cli.fit`, :mod:`~planner.cli.plot`,
  :mod:`~planner.cli.tasks`: one module per command group.
"""

from .plan import cli

__all__ = ["cli", "main"]


def main(args=None, prog_name: str = "plan") -> None:
    """Entry point of the ``plan`` console script."""
    cli.main(args=args, prog_name=prog_name)
