"""Reports: what each command prints, as data (:mod:`~planner.report.types`), built from core results.

One builder module per command family, each turning core results into a :class:`Report`:

- :mod:`~planner.report.plans`: plans, what-ifs, exact runs, target losses, comparisons.
- :mod:`~planner.report.constraints`: plans under limited data, inference demand and size caps.
- :mod:`~planner.report.compute`: hardware cost, hyperparameters and shapes added to a plan; ``plan hardware``,
  ``plan shape``.
- :mod:`~planner.report.fit`: ``plan fit`` and ``plan design``.
- :mod:`~planner.report.catalogue`: ``plan presets``, ``plan cite``.
- :mod:`~planner.report.tasks`: ``plan --tasks`` forecasts and targets, ``plan tasks``, ``plan fit-tasks``.
- :mod:`~planner.report.intervals`: ``--ci`` bounds on any report's plans, with one key naming.
- :mod:`~planner.report.answers`: the questions ``plan`` and ``plan compare`` answer: core call, then report.

:mod:`planner.report.render` turns any report into each output format.
"""

from .types import Block, Column, Report

__all__ = ["Block", "Column", "Report"]
