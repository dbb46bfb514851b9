"""``plan fit A.csv B.csv --share E``: two or more ladders fitted at once with common coefficients
(:func:`planner.fitting.joint.fit_joint`), bootstrapped each ladder on its own
(:func:`planner.fitting.joint_bootstrap.bootstrap_joint`), the multipliers between them
(:func:`planner.fitting.joint_bootstrap.joint_multipliers`) and the report :func:`planner.report.joint.joint_report`;
with ``-o`` one law file per ladder, named by a ``{stem}`` template."""

from __future__ import annotations

from pathlib import Path, PurePath

import click

from ..files.safe import check_output
from .inputs import read_runs_options
from .output import Progress, pending_law_file, show, warn

# Late imports: each command's own machinery (its fitting, its report) is imported inside the command, when it
# runs: plan --help imports every command module, and stays quick.

#: What -o names with several runs files: each ladder's law file, {stem} its runs file's stem.
STEM = "{stem}"


def share_names(values) -> tuple[str, ...]:
    """--share E --share alpha,beta → ("E", "alpha", "beta")."""
    return tuple(dict.fromkeys(n.strip() for v in values for n in v.split(",") if n.strip()))


def check_joint(o: dict, runs_files, output, law_id) -> None:
    """Usage errors of a joint fit: --share needs two or more runs files, and the other fits' options are refused."""
    share = share_names(o["share"])
    if len(runs_files) > 1 and not share:
        raise click.UsageError(f"{len(runs_files)} runs files are fitted together: name the coefficients they share, "
                               "e.g. --share E (or fit each file on its own)")
    if share and len(runs_files) < 2:
        raise click.UsageError("--share fits two or more ladders at once: give two or more runs files")
    for given, name in ((o["isoflop"] or o["curves"], "--isoflop/--curves"), (o["envelope"], "--envelope"),
                        (o["compare"], "--compare"), (o["holdout"] or o["holdout_above"], "--holdout"),
                        (o["form"] != "parametric", "--form"), (o["rollout"], "--rollout"),
                        (o["drop_outliers"], "--drop-outliers"), (law_id, "--id"),
                        (o["weight_column"] or o["weight_by"], "--weights/--weight-by")):
        if given:
            raise click.UsageError(f"a joint fit (--share) does not combine with {name}")
    stems = [PurePath(f).stem for f in runs_files]
    if "-" in runs_files or len(set(stems)) < len(stems):
        raise click.UsageError("a joint fit names each ladder by its runs file's stem: give files with distinct "
                               "names (not -)")
    if output is not None:
        if STEM not in output:
            raise click.UsageError(f"with several runs files, -o is a template with {STEM} in it (each ladder's "
                                   f"runs file stem), e.g. -o '{STEM}-joint.toml'")
        for path in law_paths(output, runs_files):
            check_output(path, o["force"])  # before the fit


def law_paths(output: str, runs_files) -> list[str]:
    """The law file of each ladder: the -o template with {stem} its runs file's stem."""
    return [output.replace(STEM, PurePath(f).stem) for f in runs_files]


def fit_joint_command(runs_files, *, output, force, share, ties, fixes: dict, objective, delta, penalty, n_boot: int,
                      seed: int, level: float, budgets, fmt: str, command: str, **runs_columns) -> None:
    """Fit the ladders jointly, bootstrap (unless ``n_boot`` is 0), report, and write one law file per ladder if
    ``output`` (a {stem} template) is given."""
    from ..fitting.joint import fit_joint
    from ..fitting.joint_bootstrap import bootstrap_joint, joint_multipliers
    from ..report.joint import joint_report

    runs = [read_runs_options(f, **runs_columns) for f in runs_files]
    names = [PurePath(f).stem for f in runs_files]
    ladders = [(r.n_params, r.n_tokens, r.loss) for r in runs]
    with Progress() as progress:
        joint = fit_joint(ladders, share=share_names(share), names=names, tie=ties, fix=fixes,
                          objective=objective, delta=delta, overestimate_penalty=penalty,
                          flops_per_param_token=[r.flops_per_param_token for r in runs], progress=progress)
        boots = None
        if n_boot:
            boots = bootstrap_joint(joint, ladders, n_resamples=n_boot, seed=seed, level=level,
                                    progress=lambda done, total: progress("bootstrap", done, total))
    if boots is not None and boots[0].n_failed:
        warn([f"{boots[0].n_failed} of {boots[0].n_resamples} joint bootstrap resamples gave no valid fit and were "
              "dropped"])
    mult = joint_multipliers(joint, budgets, boots=boots)
    # every law file made and read back before the report shows (planner.cli.output.pending_file)
    pending = [] if output is None else [
        pending_law_file(path, force, joint.fits[k], None if boots is None else boots[k],
                         law_id=PurePath(path).stem or names[k], source=Path(r.source).name, command=command)
        for k, (path, r) in enumerate(zip(law_paths(output, runs_files), runs))]
    show(joint_report(joint, boots, mult, [Path(r.source).name for r in runs]), fmt)
    for file in pending:
        if file is not None:
            file.write()
