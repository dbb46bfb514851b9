"""``plan fit --envelope``: the loss-against-compute envelope L(C) = E + A·C^(−α) fitted to runs (the lowest loss
at each compute), with --fix E=... to pin the asymptote as marin does. The fit is
:func:`planner.fitting.envelope.fit_envelope`, the report :func:`planner.report.envelope.envelope_report`."""

from __future__ import annotations

from pathlib import Path

from .inputs import read_runs_options
from .output import pending_law_file, show, warn

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.


def fit_envelope_command(runs_file, *, output, force, fixes: dict, n_boot: int, seed: int, level: float,
                         budgets, law_id: str, fmt: str, command: str, **runs_columns) -> None:
    """Fit, bootstrap (unless ``n_boot`` is 0), report, and write the law file if ``output`` is given."""
    import dataclasses

    from ..fitting.envelope import bootstrap_envelope, fit_envelope
    from ..fitting.result import data_range
    from ..report.envelope import envelope_report

    runs = read_runs_options(runs_file, **runs_columns, compute_only=True)   # FLOPs and loss are enough
    fit = fit_envelope(runs.flops, runs.loss, fix=fixes, flops_per_param_token=runs.flops_per_param_token)
    if "n_params" in (runs.columns or {}):
        # The report and the law file name the runs' N and D ranges too (the envelope reads C alone).
        fit = dataclasses.replace(fit, data_range=data_range(runs.n_params, runs.n_tokens, runs.flops_per_param_token))
    boot = bootstrap_envelope(fit, n_resamples=n_boot, seed=seed, level=level) if n_boot else None
    if boot is not None and boot.n_failed:
        warn([f"{boot.n_failed} of {boot.n_resamples} bootstrap resamples gave no valid envelope and were dropped"])
    pending = pending_law_file(output, force, fit, boot, law_id=law_id, source=Path(runs.source).name,
                               command=command, then=("compare with it", "versus", "{output}", "besiroglu2024", "--flops", "1e22"))
    show(envelope_report(fit, boot, runs, budgets, level), fmt)
    if pending is not None:
        pending.write()
