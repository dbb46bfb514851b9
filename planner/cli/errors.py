"""The command line's words for what the core's errors name: the core speaks of arguments and questions
(``max_params``, ``plan_with_params``), the command line of its flags (``--max-params``, ``--params``).

:data:`WORDS` is the one table from a placeholder of a core message (:meth:`planner.base.errors.PlannerError.worded`)
to the words ``plan`` shows; :func:`message` words an error with it.
"""

from __future__ import annotations

from ..base.errors import PlannerError

__all__ = ["WORDS", "message"]

#: placeholder of a core error → how the command line says it.
WORDS: dict[str, str] = {
    # arguments and remedies
    "flops": "--flops",
    "unique_tokens": "--unique-tokens",
    "max_params": "--max-params",
    "max_tokens": "--max-tokens",
    "inference_tokens": "--inference-tokens",
    "preset_besiroglu2024": "--preset besiroglu2024",
    "preset_muennighoff2023": "--preset muennighoff2023",
    "preset_busbridge2025": "--preset busbridge2025",
    "n_chips": "--gpus N",
    "usd_per_chip_hour": "--usd-per-gpu-hour PRICE",
    "set": "--set",
    "ci": "--ci",
    "force": "--force",
    "versus": "'plan versus'",
    "allow_budget_mismatch": "--allow-budget-mismatch",
    # the kinds of law file (planner.files.tomlfile.FILE_KINDS): the option each is given to
    "law_file": "--law",
    "task_law": "--tasks",
    "hparam_law": "--hparams",
    # fitting (planner.fitting): remedies of plan fit, plan fit-tasks and plan fit-hparams
    "holdout": "--holdout",
    "holdout_above": "--holdout-above",
    "tie_alpha_beta": "--tie alpha=beta",
    "tie": "--tie",
    "fix": "--fix",
    "fix_E": "--fix E=VALUE",
    "form_parametric": "--form parametric",
    "chance": "--chance",
    "design": "'plan design'",
    # the options that name a column of a runs file, a ladder or a sweep (field → flag)
    "column_n_params": "--n-params-column",
    "column_n_tokens": "--tokens-column",
    "column_tokens": "--tokens-column",
    "column_flops": "--flops-column",
    "column_loss": "--loss-column",
    "column_budget": "--budget-column",
    "column_run_id": "--run-column",
    "column_run": "--run-column",
    "column_weight": "--weights",
    "column_task": "--task-column",
    "column_task_loss": "--task-loss-column",
    "column_accuracy": "--accuracy-column",
    "column_chance": "--chance-column",
    "column_learning_rate": "--lr-column",
    "column_batch_tokens": "--batch-column",
    # ... of a curves file (plan curve, plan fit --curves)
    "curve_column_run_id": "--run-column",
    "curve_column_n_params": "--n-params-column",
    "curve_column_n_tokens": "--tokens-column",
    "curve_column_loss": "--loss-column",
    "curve_column_learning_rate": "--lr-column",
    "curve_column_batch_tokens": "--batch-tokens",
    "curve_column_branch": "--branch-column",
    # questions a law may refuse (planner.laws.questions.QUESTIONS)
    "plan": "a compute-optimal plan",
    "repeated_loss": "the loss on repeated data (--unique-tokens)",
    "constraints": "planning under constraints (--unique-tokens, --inference-tokens, --max-params, --max-tokens)",
    "compute_efficiency": "compute efficiency",
    "exact_run": "an exact run (--params with --tokens)",
    "what_if_params": "a what-if (--params)",
    "what_if_tokens": "a what-if (--tokens)",
    "target_loss": "a target loss (--target-loss)",
    "optimal_for_params": "a plan for a given model size (--params alone)",
    "optimal_for_tokens": "a plan for a given data budget (--tokens alone)",
    "isoflop_profile": "an isoFLOP profile (D = C/(k·N) at one granularity)",
    "fit_diagnostic": "a fit diagnostic (runs of one N each)",
    "isoflop_design": "an isoFLOP design (D = C/(6·N) on one N)",
}


def message(error: PlannerError) -> str:
    """The error's message in the command line's words."""
    return error.in_words(WORDS)
