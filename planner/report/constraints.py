"""Reports for plans under constraints (:mod:`planner.planning.constraints`): core results → a Report.

In the style of :mod:`planner.report.plans`, so every ``--format`` works: rows are dicts with unit-named keys
and raw floats (CSV and JSON carry them under the report's ``keys``, only those of the constraints in
play); columns drive the human formats (table, markdown, LaTeX). Each problem (a budget or a target
loss) is one block whose notes say, in words, what the constraints cost; the footer says what each plan
is, where the repetition and inference models come from, and the law's assumptions.
"""

from __future__ import annotations

from ..base.conventions import INFERENCE_FLOPS_PER_PARAM_TOKEN
from ..base.units import as_floats, format_count, format_flops, format_loss4, format_percent, format_ratio, format_text
from .plans import law_footer, repeated
from .types import Block, Column, Report

__all__ = ["constrained_report", "repeated_report", "constraint_keys", "constraint_columns",
           "constraint_footer", "repeated_rows", "repeated_columns", "repetition_line", "REPEATED_KEYS"]

#: What each plan of a ConstrainedResult is, in one line.
PLAN_MEANING = {
    "compute-optimal": "the law's compute-optimal plan, ignoring the constraints (for comparison)",
    "training-optimal": "the lowest loss the budget buys within the constraints",
    "inference-aware": "the same loss for the least lifetime (training + inference) FLOPs",
}

#: Keys of the loss query on repeated data (``--params N --tokens D --unique-tokens U``).
REPEATED_KEYS = ("preset", "n_params", "n_tokens", "unique_tokens", "epochs", "effective_tokens", "effective_params",
                 "loss", "loss_all_unique")

#: The fields of a ConstrainedPlan that rows carry.
_PLAN_FIELDS = ("flops", "n_params", "n_tokens", "tokens_per_param", "loss", "epochs", "effective_tokens",
                "effective_params", "inference_flops", "lifetime_flops", "params_cap_binds", "tokens_cap_binds")


def _binds(p, d):
    names = [name for name, flag in (("max_params", p), ("max_tokens", d)) if flag]
    return ", ".join(names) or None


def _has_caps(result) -> bool:
    return result.max_params is not None or result.max_tokens is not None


def constraint_keys(result) -> tuple[str, ...]:
    """The keys of a constrained report's rows, in order: always the plan, then those of the constraints in play."""
    keys = ["preset", "plan", "flops" if result.budget is not None else "target_loss",
            "n_params", "n_tokens", "tokens_per_param", "loss", "training_flops"]
    if result.unique_tokens is not None:
        keys += ["unique_tokens", "epochs", "effective_tokens", "effective_params"]
    if result.inference_tokens is not None:
        keys += ["inference_tokens", "inference_flops", "lifetime_flops", "flops_saving"]
    if _has_caps(result):
        keys += ["max_params", "max_tokens", "cap_binds"]
    return tuple(keys)


def _rows_by_problem(result) -> list[list[dict]]:
    """One list of rows per problem (budget or target loss), one row per plan in it."""
    by_budget = result.budget is not None
    problems = as_floats(result.budget if by_budget else result.target_loss)
    n = len(problems)
    fields = {name: {f: repeated(getattr(p, f), n) for f in _PLAN_FIELDS} for name, p in result.plans.items()}
    saving = repeated(result.flops_saving, n)
    keys = constraint_keys(result)
    out = []
    for i in range(n):
        rows = []
        for name, c in fields.items():
            row = {
                "preset": result.law_id, "plan": name,
                "flops": problems[i] if by_budget else None,
                "target_loss": None if by_budget else problems[i],
                "n_params": c["n_params"][i], "n_tokens": c["n_tokens"][i],
                "tokens_per_param": c["tokens_per_param"][i], "loss": c["loss"][i],
                "training_flops": c["flops"][i],
                "unique_tokens": result.unique_tokens, "epochs": c["epochs"][i],
                "effective_tokens": c["effective_tokens"][i], "effective_params": c["effective_params"][i],
                "inference_tokens": result.inference_tokens, "inference_flops": c["inference_flops"][i],
                "lifetime_flops": c["lifetime_flops"][i],
                "flops_saving": saving[i] if name == "inference-aware" else None,
                "max_params": result.max_params, "max_tokens": result.max_tokens,
                "cap_binds": _binds(c["params_cap_binds"][i], c["tokens_cap_binds"][i]),
            }
            rows.append({k: row[k] for k in keys})
        out.append(rows)
    return out


def constraint_columns(result) -> tuple[Column, ...]:
    """Columns of the human formats, kept to what fits an 80-column terminal.

    Short headers (N, D, D/N, D'; the footer says what they are). With inference demand the costs
    take the room of D/N and D', and the inference FLOPs (lifetime − training) are left to the
    notes; CSV and JSON carry every key.
    """
    serving = result.inference_tokens is not None
    # "compute optimal" wraps onto two lines in a narrow terminal; "compute-optimal" could not.
    cols = [Column("plan", "plan", lambda x: format_text(x).replace("-", " "), align="left"),
            Column("n_params", "N", format_count), Column("n_tokens", "D", format_count)]
    if not serving:
        cols.append(Column("tokens_per_param", "D/N", format_ratio))
    if result.unique_tokens is not None:
        cols.append(Column("epochs", "epochs", format_ratio))
        if not serving:
            cols.append(Column("effective_tokens", "D'", format_count))
    cols += [Column("loss", "loss*", format_loss4), Column("training_flops", "train FLOPs", format_flops)]
    if serving:
        cols += [Column("lifetime_flops", "lifetime FLOPs", format_flops, short="life FLOPs",
                        legend="life FLOPs: lifetime (training + inference) FLOPs"),
                 Column("flops_saving", "saving", format_percent)]
    if _has_caps(result):
        cols.append(Column("cap_binds", "cap", _cap_text))
    return tuple(cols)


def _cap_text(binds):
    """'max_params' → 'N', 'max_tokens' → 'D', both → 'N, D', none → 'no'."""
    return (binds or "no").replace("max_params", "N").replace("max_tokens", "D")


def _problem_title(row) -> str:
    return f"C = {format_flops(row['flops'])} FLOPs" if row.get("flops") is not None else \
        f"target loss {row['target_loss']:g}"


def constrained_report(law, result) -> Report:
    """Every plan of a :class:`~planner.planning.constraints.ConstrainedResult`: one block per budget or target loss,
    its notes telling what the constraints cost; the footer what each plan is and where the models come from."""
    problems = _rows_by_problem(result)
    title = f"Plan under constraints · {law.name}"
    if len(problems) == 1:
        title += " · " + _problem_title(problems[0][0]).removeprefix("C = ")
    blocks = tuple(Block(rows, title=None if len(problems) == 1 else _problem_title(rows[0]),
                         notes=tuple(_story({r["plan"]: r for r in rows}, result)))
                   for rows in problems)
    return Report(blocks=blocks, columns=constraint_columns(result), keys=constraint_keys(result), title=title,
                  footer=tuple(constraint_footer(law, result)))


def repetition_line(rep, law_id, unique_tokens) -> str:
    """Which repetition law and constants a plan uses, and where they come from."""
    line = (f"Data: {format_count(unique_tokens)} unique tokens; tokens beyond them are repeats, worth less: "
            f"effective data D' (R_D* = {rep.R_D_star:.6g}) and effective parameters N' (R_N* = {rep.R_N_star:.6g}) "
            "(Muennighoff et al. 2023, arXiv:2305.16264)")
    if rep.borrowed:
        line += (f"; {law_id} has no repetition fit of its own, so these constants are borrowed from {rep.source} "
                 f"and applied to {law_id}'s law")
    return line + "."


def constraint_footer(law, result) -> list[str]:
    """What each plan is, where the repetition and inference models come from, and the law's assumptions."""
    meaning = dict(PLAN_MEANING)
    if result.budget is None:
        meaning["compute-optimal"] = "the law's least compute for the target, ignoring the constraints (for comparison)"
        meaning["training-optimal"] = "the least training compute that reaches the target within the constraints"
    lines = [f"{name}: {meaning[name]}." for name in result.plans]
    if result.unique_tokens is not None:
        lines.append(repetition_line(result.repetition, result.law_id, result.unique_tokens))
    if result.inference_tokens is not None:
        lines.append(f"Inference: serving {format_count(result.inference_tokens)} tokens costs "
                     f"{INFERENCE_FLOPS_PER_PARAM_TOKEN:g}·N FLOPs per token "
                     "(Sardana et al. 2024, arXiv:2401.00448); the inference-aware plan keeps the training-optimal "
                     "loss" + (", data and caps" if result.repetition or _has_caps(result) else "")
                     + " and minimises training + inference FLOPs.")
    return lines + law_footer(law)


def _plan_text(r) -> str:
    text = f"{format_count(r['n_params'])} parameters on {format_count(r['n_tokens'])} tokens"
    if r.get("epochs") is not None:
        text += f" ({format_ratio(r['epochs'])} epochs)"
    return text


def _story(by_plan, result) -> list[str]:
    """What the constraints cost for one problem, in sentences."""
    lines = []
    ref, train, aware = by_plan.get("compute-optimal"), by_plan["training-optimal"], by_plan.get("inference-aware")
    if ref is not None:
        verb = "would reach" if result.unique_tokens is not None else "reaches"
        caps = [f"{format_count(ref[key])} {what} exceed {option} {format_count(cap)}"
                for key, what, option, cap in (("n_params", "parameters", "--max-params", result.max_params),
                                               ("n_tokens", "tokens", "--max-tokens", result.max_tokens))
                if cap is not None and ref[key] > cap * (1 + 1e-9)]
        lines.append(f"Without the constraints the law would train {_plan_text(ref)}; it {verb} loss "
                     f"{format_loss4(ref['loss'])}" + (" on your data" if result.unique_tokens is not None else "")
                     + (f", but its {' and '.join(caps)}" if caps else "") + ".")
        lines.append(f"Within them: {_plan_text(train)}, loss {format_loss4(train['loss'])}"
                     + (f" (the {train['cap_binds'].replace('_', '-')} cap binds)" if train.get("cap_binds") else "")
                     + ".")
    floor = result.loss_floor
    if floor is not None and (result.unique_tokens or _has_caps(result)) and train["loss"] - floor < 1e-3:
        lines.append(f"The constraints, not the compute, limit this plan: within them {result.law_id} predicts no loss "
                     f"below {format_loss4(floor)} at any budget, so much of this budget buys almost nothing (ask "
                     f"--target-loss a little above {format_loss4(floor)} for the least compute that gets close); more "
                     "unique data or looser caps would help more.")
    if aware is not None:
        ratio = aware["training_flops"] / train["training_flops"]
        lines.append(
            f"Serving {format_count(result.inference_tokens)} tokens: train {_plan_text(aware)} instead of "
            f"{format_count(train['n_params'])}; the same loss {format_loss4(aware['loss'])} for "
            f"{format_flops(aware['lifetime_flops'])} lifetime FLOPs instead of {format_flops(train['lifetime_flops'])} "
            f"({format_percent(aware['flops_saving'])} less), though training takes {format_ratio(ratio)}× the FLOPs "
            f"({format_flops(aware['training_flops'])})"
            + (f"; the {aware['cap_binds'].replace('_', '-')} cap binds" if aware.get("cap_binds") else "") + ".")
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# the loss query: one run on repeated data


def repeated_rows(law, run) -> list[dict]:
    """One row per run of a :class:`~planner.planning.constraints.RepeatedRun`."""
    fields = REPEATED_KEYS[1:]
    n = len(as_floats(run.n_params))
    cols = {k: repeated(getattr(run, k), n) for k in fields}
    return [{"preset": law.name, **{k: cols[k][i] for k in fields}} for i in range(n)]


def repeated_columns() -> tuple[Column, ...]:
    """Short headers, so the table fits 80 columns; the footer names the symbols."""
    return (Column("n_params", "N", format_count), Column("n_tokens", "D", format_count),
            Column("unique_tokens", "unique U", format_count), Column("epochs", "epochs", format_ratio),
            Column("effective_tokens", "D'", format_count), Column("effective_params", "N'", format_count),
            Column("loss", "loss*", format_loss4), Column("loss_all_unique", "if unique*", format_loss4))


def repeated_report(law, run) -> Report:
    """The loss of one run on repeated data beside its loss if every token were new."""
    return Report(blocks=(Block(repeated_rows(law, run)),), columns=repeated_columns(), keys=REPEATED_KEYS,
                  title=f"Loss on repeated data · {law.name}",
                  footer=(repetition_line(run.repetition, law.id, run.unique_tokens), *law_footer(law)))
