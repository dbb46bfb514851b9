"""Rows, columns and explanations for plans under constraints (:mod:`planner.constraints`).

Rows are dicts with unit-named keys and raw floats, like :func:`planner.render.plan_rows`;
only the keys of the constraints in play appear. The footer explains, in words, what each plan
is and what the constraints cost.
"""

from __future__ import annotations

from .render import Column
from .units import format_count, format_flops, format_ratio

__all__ = ["constraint_rows", "constraint_keys", "constraint_columns", "constraint_blocks", "constraint_footer",
           "repeated_rows", "repeated_keys", "repeated_columns", "repetition_line"]

#: What each plan of a ConstrainedResult is, in one line.
PLAN_MEANING = {
    "compute-optimal": "the law's compute-optimal plan, ignoring the constraints (for comparison)",
    "training-optimal": "the lowest loss the budget buys within the constraints",
    "inference-aware": "the same loss for the least lifetime (training + inference) FLOPs",
}


def _opt(fmt):
    """A formatter that shows an em dash for None."""
    return lambda x: "—" if x is None else fmt(x)


def _percent(x):
    return f"{100 * x:.1f}%"


def _seq(x, n):
    if x is None:
        return [None] * n
    if isinstance(x, (int, float, bool)):
        return [x]
    return list(x.ravel()) if hasattr(x, "ravel") else list(x)


def _float(x):
    return None if x is None else float(x)


def _binds(p, d):
    names = [name for name, flag in (("max_params", p), ("max_tokens", d)) if flag]
    return ", ".join(names) or None


def constraint_keys(result) -> tuple[str, ...]:
    """The keys of :func:`constraint_rows`, in order: always the plan, then those of the constraints in play."""
    keys = ["preset", "plan", "flops" if result.budget is not None else "target_loss",
            "n_params", "n_tokens", "tokens_per_param", "loss", "training_flops"]
    if result.unique_tokens is not None:
        keys += ["unique_tokens", "epochs", "effective_tokens", "effective_params"]
    if result.inference_tokens is not None:
        keys += ["inference_tokens", "inference_flops", "lifetime_flops", "flops_saving"]
    if result.max_params is not None or result.max_tokens is not None:
        keys += ["max_params", "max_tokens", "cap_binds"]
    return tuple(keys)


def constraint_rows(result) -> list[dict]:
    """One row per problem (budget or target loss) and plan, in that order."""
    problem = result.budget if result.budget is not None else result.target_loss
    n = len(_seq(problem, 0))
    problems = _seq(problem, n)
    cols = {}
    for name, p in result.plans.items():
        cols[name] = {f: _seq(getattr(p, f), n) for f in (
            "flops", "n_params", "n_tokens", "tokens_per_param", "loss", "epochs", "effective_tokens",
            "effective_params", "inference_flops", "lifetime_flops", "params_cap_binds", "tokens_cap_binds")}
    saving = _seq(result.flops_saving, n)
    keys = constraint_keys(result)
    rows = []
    for i in range(n):
        for name, c in cols.items():
            row = {
                "preset": result.law_id, "plan": name,
                "flops": _float(problems[i]) if result.budget is not None else None,
                "target_loss": _float(problems[i]) if result.target_loss is not None else None,
                "n_params": float(c["n_params"][i]), "n_tokens": float(c["n_tokens"][i]),
                "tokens_per_param": float(c["tokens_per_param"][i]), "loss": float(c["loss"][i]),
                "training_flops": float(c["flops"][i]),
                "unique_tokens": result.unique_tokens, "epochs": _float(c["epochs"][i]),
                "effective_tokens": _float(c["effective_tokens"][i]),
                "effective_params": _float(c["effective_params"][i]),
                "inference_tokens": result.inference_tokens, "inference_flops": _float(c["inference_flops"][i]),
                "lifetime_flops": _float(c["lifetime_flops"][i]),
                "flops_saving": _float(saving[i]) if name == "inference-aware" else None,
                "max_params": result.max_params, "max_tokens": result.max_tokens,
                "cap_binds": _binds(c["params_cap_binds"][i], c["tokens_cap_binds"][i]),
            }
            rows.append({k: row[k] for k in keys})
    return rows


def constraint_columns(result) -> tuple[Column, ...]:
    """Columns of the terminal table for one problem's rows, kept to what fits 80 columns.

    Short headers (N, D, D/N, D'; the footer says what they are). With inference demand the costs
    take the room of D/N and D', and the inference FLOPs (lifetime − training) are left to the
    footer. JSON carries every key. Several budgets make several tables (:func:`constraint_blocks`).
    """
    serving = result.inference_tokens is not None
    # "compute optimal" wraps onto two lines in a narrow terminal; "compute-optimal" would be cut.
    cols = [Column("plan", "plan", lambda x: x.replace("-", " ")), Column("n_params", "N", format_count),
            Column("n_tokens", "D", format_count)]
    if not serving:
        cols.append(Column("tokens_per_param", "D/N", format_ratio))
    if result.unique_tokens is not None:
        cols.append(Column("epochs", "epochs", _opt(format_ratio)))
        if not serving:
            cols.append(Column("effective_tokens", "D'", _opt(format_count)))
    cols += [Column("loss", "loss*", _loss4), Column("training_flops", "train FLOPs", format_flops)]
    if serving:
        cols += [Column("lifetime_flops", "lifetime FLOPs", _opt(format_flops)),
                 Column("flops_saving", "saving", _opt(_percent))]
    if result.max_params is not None or result.max_tokens is not None:
        cols.append(Column("cap_binds", "cap", _cap_text))
    return tuple(cols)


def constraint_blocks(result, rows) -> list[tuple[str, list[dict]]]:
    """``rows`` split into one block per problem, each with its title suffix (the budget or the target)."""
    m = len(result.plans)
    blocks = []
    for i in range(0, len(rows), m):
        r = rows[i]
        what = f"{format_flops(r['flops'])} FLOPs" if r.get("flops") is not None else f"target loss {r['target_loss']:g}"
        blocks.append((what, rows[i:i + m]))
    return blocks


def _cap_text(binds):
    """'max_params' → 'N', 'max_tokens' → 'D', both → 'N, D', none → 'no'."""
    return (binds or "no").replace("max_params", "N").replace("max_tokens", "D")


def _loss4(x):
    """Losses of constrained plans differ in the fourth decimal: show it."""
    return f"{x:.4f}"


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
    """What each plan is, what the constraints cost, and the law's assumptions."""
    from .render import law_footer

    rows = constraint_rows(result)
    lines = _story({r["plan"]: r for r in rows}, result) if len(rows) == len(result.plans) else []
    meaning = dict(PLAN_MEANING)
    if result.budget is None:
        meaning["compute-optimal"] = "the law's least compute for the target, ignoring the constraints (for comparison)"
        meaning["training-optimal"] = "the least training compute that reaches the target within the constraints"
    lines += [f"{name}: {meaning[name]}." for name in result.plans]
    if result.unique_tokens is not None:
        lines.append(repetition_line(result.repetition, result.law_id, result.unique_tokens))
    if result.inference_tokens is not None:
        lines.append(f"Inference: serving {format_count(result.inference_tokens)} tokens costs 2·N FLOPs per token "
                     "(Sardana et al. 2024, arXiv:2401.00448); the inference-aware plan keeps the training-optimal "
                     "loss" + (", data and caps" if result.repetition or result.max_params or result.max_tokens else "")
                     + " and minimises training + inference FLOPs.")
    return lines + law_footer(law)


def _plan_text(r) -> str:
    text = f"{format_count(r['n_params'])} parameters on {format_count(r['n_tokens'])} tokens"
    if r.get("epochs") is not None:
        text += f" ({format_ratio(r['epochs'])} epochs)"
    return text


def _story(by_plan, result) -> list[str]:
    lines = []
    ref, train, aware = by_plan.get("compute-optimal"), by_plan["training-optimal"], by_plan.get("inference-aware")
    if ref is not None:
        verb = "would reach" if result.unique_tokens is not None else "reaches"
        caps = [f"{format_count(ref[key])} {what} exceed {option} {format_count(cap)}"
                for key, what, option, cap in (("n_params", "parameters", "--max-params", result.max_params),
                                               ("n_tokens", "tokens", "--max-tokens", result.max_tokens))
                if cap is not None and ref[key] > cap * (1 + 1e-9)]
        lines.append(f"Without the constraints the law would train {_plan_text(ref)}; it {verb} loss "
                     f"{_loss4(ref['loss'])}" + (" on your data" if result.unique_tokens is not None else "")
                     + (f", but its {' and '.join(caps)}" if caps else "") + ".")
        lines.append(f"Within them: {_plan_text(train)}, loss {_loss4(train['loss'])}"
                     + (f" (the {train['cap_binds'].replace('_', '-')} cap binds)" if train.get("cap_binds") else "")
                     + ".")
    floor = result.loss_floor
    if floor is not None and (result.unique_tokens or result.max_params or result.max_tokens) \
            and train["loss"] - floor < 1e-3:
        lines.append(f"The constraints, not the compute, limit this plan: within them {result.law_id} predicts no loss "
                     f"below {_loss4(floor)} at any budget, so much of this budget buys almost nothing (ask "
                     f"--target-loss a little above {_loss4(floor)} for the least compute that gets close); more "
                     "unique data or looser caps would help more.")
    if aware is not None:
        ratio = aware["training_flops"] / train["training_flops"]
        lines.append(
            f"Serving {format_count(result.inference_tokens)} tokens: train {_plan_text(aware)} instead of "
            f"{format_count(train['n_params'])}; the same loss {_loss4(aware['loss'])} for "
            f"{format_flops(aware['lifetime_flops'])} lifetime FLOPs instead of {format_flops(train['lifetime_flops'])} "
            f"({_percent(aware['flops_saving'])} less), though training takes {format_ratio(ratio)}× the FLOPs "
            f"({format_flops(aware['training_flops'])})"
            + (f"; the {aware['cap_binds'].replace('_', '-')} cap binds" if aware.get("cap_binds") else "") + ".")
    return lines


# ---------------------------------------------------------------------------------------------------------------------
# the loss query: one run on repeated data


def repeated_keys() -> tuple[str, ...]:
    return ("preset", "n_params", "n_tokens", "unique_tokens", "epochs", "effective_tokens", "effective_params",
            "loss", "loss_all_unique")


def repeated_rows(law, run) -> list[dict]:
    """One row per run of a :class:`~planner.constraints.RepeatedRun`."""
    keys = repeated_keys()[1:]
    n = len(_seq(run.n_params, 0))
    cols = {k: _seq(getattr(run, k), n) for k in keys}
    return [{"preset": law.id, **{k: float(cols[k][i]) for k in keys}} for i in range(n)]


def repeated_columns() -> tuple[Column, ...]:
    """Short headers, so the table fits 80 columns; the footer names the symbols."""
    return (Column("n_params", "N", format_count), Column("n_tokens", "D", format_count),
            Column("unique_tokens", "unique U", format_count), Column("epochs", "epochs", format_ratio),
            Column("effective_tokens", "D'", format_count), Column("effective_params", "N'", format_count),
            Column("loss", "loss*", _loss4), Column("loss_all_unique", "if unique*", _loss4))
