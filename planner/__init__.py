"""planner: compute-optimal training plans from published scaling laws.

>>> from planner import load_preset, compute_optimal
>>> plan = compute_optimal(load_preset("chinchilla"), 5.76e23)
>>> round(plan.n_params / 1e9, 1)
40.4

Every name the documentation shows is importable from here; each loads its module on first use (PEP 562), so
``plan --flops 1e21`` pays only for what it uses.
"""

from __future__ import annotations

__version__ = "0.1.0"
#: The distribution's name (setup.cfg): what ``pip install`` takes; the import name stays ``planner``.
__distribution__ = "scaling-planner"

from importlib import import_module

from .base.errors import (
    FitError, HardwareError, InfeasibleError, LawFileError, NoLossModelError, NoUncertaintyError, OutputExistsError,
    NumericError, PlannerError, PlotDependencyError, PresetError, QuantityError, RunsError, UnknownChipError,
    UnknownPresetError, UnknownTaskError, UnreachableAccuracyError, UnreachableLossError, UnsupportedLawError,
    UnansweredError, ArgumentError,
)

#: public name → the module (relative to planner) that defines it, imported on first use.
_LAZY = {
    **dict.fromkeys(("Law", "ParametricLaw", "KaplanLaw", "AllocationRule", "Frontier", "Repetition", "Uncertainty",
                     "BusbridgeLaw", "FineGrainedMoE", "DistillationLaw"), "laws"),
    **dict.fromkeys(("load_preset", "list_presets", "preset_ids", "repetition_for", "list_hardware", "load_chip",
                     "DEFAULT_PRESET"), "files.presets"),
    **dict.fromkeys(("load_law_file", "law_from_mapping"), "files.lawfile"),
    **dict.fromkeys(("law_file_text", "law_from_fit"), "files.lawwriter"),
    **dict.fromkeys(("load_task_law_file", "task_laws_from_mapping"), "files.taskfile"),
    **dict.fromkeys(("task_law_file_text",), "files.taskwriter"),
    **dict.fromkeys(("TaskLaw", "TaskLaws", "SigmoidAccuracy", "ExponentialError"), "laws.tasks"),
    **dict.fromkeys(("load_task_laws", "list_task_laws", "task_preset_ids"), "files.presets"),
    **dict.fromkeys(("forecast", "forecast_intervals", "least_compute_for_accuracy", "Forecast", "ForecastIntervals",
                     "TaskTarget"), "planning.forecasting"),
    **dict.fromkeys(("Ladder", "parse_ladder"), "fitting.ladder"),
    **dict.fromkeys(("fit_task", "fit_ladder", "bootstrap_task", "TaskFit"), "fitting.tasks"),
    **dict.fromkeys(("Plan", "MoEPlan", "compute_optimal"), "planning.plan"),
    **dict.fromkeys(("distill", "compute_optimal_distillation", "DistilledRun", "DistillationPlan"),
                    "planning.distill"),
    **dict.fromkeys(("WhatIf", "evaluate", "plan_with_params", "plan_with_tokens", "min_compute_for_loss",
                     "optimal_loss", "compute_efficiency", "frontier", "optimal_for_params", "optimal_for_tokens"),
                    "planning.whatif"),
    **dict.fromkeys(("plan_with_constraints", "ConstrainedPlan", "ConstrainedResult"), "planning.constraints"),
    **dict.fromkeys(("repeated_loss", "RepeatedRun"), "planning.repeated"),
    **dict.fromkeys(("plan_intervals", "coefficient_samples", "PlanIntervals", "CoefficientSamples"),
                    "planning.uncertainty"),
    **dict.fromkeys(("fit_parametric", "fit_kaplan", "fit_isoflop", "bootstrap", "design_isoflop",
                     "parse_runs", "FitResult", "BootstrapResult", "IsoflopDesign", "Runs", "backtest", "Backtest",
                     "compare_estimators", "EstimatorFit", "Parametrisation"), "fitting"),
    **dict.fromkeys(("fit_curves", "bootstrap_isoflop", "bootstrap_curves"), "fitting"),
    **dict.fromkeys(("read_runs", "read_curves", "read_ladder"), "files.runs"),
    **dict.fromkeys(("Chip", "Cluster", "Cost", "cost", "flops_for_budget", "flops_from_days", "flops_from_gpu_hours",
                     "flops_from_usd", "gpu_hours", "usd", "wall_clock_days", "implied_mfu"), "compute.hardware"),
    **dict.fromkeys(("HparamLaw", "HparamSuggestion", "suggest_hparams", "trainable_batch"), "laws.hparams"),
    **dict.fromkeys(("load_hparam_law", "list_hparam_laws", "hparam_law_ids"), "files.presets"),
    **dict.fromkeys(("load_hparam_law_file", "hparam_law_file_text"), "files.hparamfile"),
    **dict.fromkeys(("fit_hparams", "parse_sweep", "Sweep", "HparamFit"), "fitting.hparams"),
    **dict.fromkeys(("plan_ladder", "LadderPlan", "Rung"), "planning.ladder"),
    **dict.fromkeys(("Schedule", "ScheduleError", "per_step_rates"), "laws.schedules"),
    **dict.fromkeys(("Curve", "MultiPowerLaw", "TissueLaw"), "laws.curve_laws"),
    **dict.fromkeys(("fit_curve_law", "CurveFit"), "fitting.curve_fit"),
    **dict.fromkeys(("RunCurve", "forecast_curve", "CurveForecast", "schedule_alternatives", "Alternative"),
                    "fitting.curve_forecast"),
    **dict.fromkeys(("ladder_points", "LadderPoints", "LadderPoint"), "fitting.branches"),
    **dict.fromkeys(("read_curve_runs", "CurveRuns"), "files.curve_runs"),
    **dict.fromkeys(("Shape", "hoffmann_flops_per_token", "kaplan_flops_per_token", "shapes_for"), "compute.shapes"),
    **dict.fromkeys(("DEFAULT_MFU", "FLOPS_PER_PARAM_TOKEN", "INFERENCE_FLOPS_PER_PARAM_TOKEN", "HUBER_DELTA"),
                    "base.conventions"),
    **dict.fromkeys(("Report", "Block", "Column"), "report.types"),
    **dict.fromkeys(("render_report", "FORMATS"), "report.render"),
    **dict.fromkeys(("parse_quantity", "format_count", "format_flops", "Real"), "base.units"),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")

    value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    # laws and presets
    "load_preset", "list_presets", "preset_ids", "DEFAULT_PRESET", "load_law_file", "law_from_mapping",
    "law_file_text", "law_from_fit", "repetition_for",
    "Law", "ParametricLaw", "KaplanLaw", "AllocationRule", "Frontier", "Repetition", "Uncertainty",
    "BusbridgeLaw", "FineGrainedMoE", "DistillationLaw",
    # plans, what-ifs, constraints, intervals, distillation
    "compute_optimal", "Plan", "MoEPlan", "WhatIf", "evaluate", "plan_with_params", "plan_with_tokens", "min_compute_for_loss",
    "optimal_loss", "compute_efficiency", "frontier", "optimal_for_params", "optimal_for_tokens",
    "plan_with_constraints", "repeated_loss", "ConstrainedPlan", "ConstrainedResult", "RepeatedRun",
    "plan_intervals", "coefficient_samples", "PlanIntervals", "CoefficientSamples",
    "distill", "compute_optimal_distillation", "DistilledRun", "DistillationPlan",
    # fitting
    "fit_parametric", "fit_kaplan", "fit_isoflop", "bootstrap", "design_isoflop", "read_runs", "parse_runs",
    "backtest", "Backtest", "compare_estimators", "EstimatorFit", "Parametrisation",
    "FitResult", "BootstrapResult", "IsoflopDesign", "Runs",
    "fit_curves", "bootstrap_isoflop", "bootstrap_curves", "read_curves",
    # benchmark accuracy from scale (task laws)
    "load_task_laws", "list_task_laws", "task_preset_ids", "load_task_law_file", "task_laws_from_mapping",
    "task_law_file_text", "TaskLaw", "TaskLaws", "SigmoidAccuracy", "ExponentialError", "forecast",
    "forecast_intervals", "least_compute_for_accuracy", "Forecast", "ForecastIntervals", "TaskTarget", "Ladder",
    "read_ladder", "parse_ladder", "fit_task", "fit_ladder", "bootstrap_task", "TaskFit",
    # hardware time and money, shapes
    "list_hardware", "load_chip", "Chip", "Cluster", "Cost", "cost", "DEFAULT_MFU", "gpu_hours", "wall_clock_days",
    "usd", "flops_from_gpu_hours", "flops_from_days", "flops_from_usd", "flops_for_budget", "implied_mfu",
    "Shape", "shapes_for", "hoffmann_flops_per_token", "kaplan_flops_per_token",
    # learning rate and batch size laws, sweeps, ladders
    "HparamLaw", "HparamSuggestion", "suggest_hparams", "trainable_batch", "load_hparam_law", "list_hparam_laws",
    "hparam_law_ids", "load_hparam_law_file", "hparam_law_file_text", "fit_hparams", "parse_sweep", "Sweep",
    "HparamFit", "plan_ladder", "LadderPlan", "Rung",
    # loss curves and learning-rate schedules, ladder points from WSD runs
    "Schedule", "ScheduleError", "per_step_rates", "Curve", "MultiPowerLaw", "TissueLaw", "fit_curve_law", "CurveFit",
    "RunCurve", "read_curve_runs", "CurveRuns", "forecast_curve", "CurveForecast", "schedule_alternatives",
    "Alternative", "ladder_points", "LadderPoints", "LadderPoint",
    # conventions, reports, units
    "FLOPS_PER_PARAM_TOKEN", "INFERENCE_FLOPS_PER_PARAM_TOKEN", "HUBER_DELTA",
    "Report", "Block", "Column", "render_report", "FORMATS", "parse_quantity", "format_count", "format_flops", "Real",
    # errors
    "PlannerError", "QuantityError", "PresetError", "LawFileError", "UnknownPresetError", "NoLossModelError",
    "InfeasibleError", "UnreachableLossError", "UnsupportedLawError", "UnansweredError", "UnknownChipError",
    "HardwareError",
    "RunsError", "FitError", "NoUncertaintyError", "PlotDependencyError", "OutputExistsError", "NumericError",
    "UnknownTaskError", "UnreachableAccuracyError", "ArgumentError",
]
