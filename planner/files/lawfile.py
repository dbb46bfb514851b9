"""The law-file schema: the one place that reads and validates a scaling law's file.

A law file is TOML that describes itself (see ``presets/*.toml`` and docs/reference/law-files.md)::

    id = "mylaw"                 # required
    title = "..."                # required
    form = "parametric"          # parametric | kaplan | allocation | busbridge | moe
    aliases = [...]; notes = [...]
    [citation]        authors, year, title (required); arxiv, where, url
    [conventions]     parameters ("total" / "non-embedding"), flops_per_param_token, dataset
    [coefficients]    the form's coefficients under the paper's names
    [rule]            allocation only: gives = n_params | n_tokens | flops_per_token; flops_unit
    [moe]             moe only: expansion_rate (E); granularities, routing_flops (c_r), width_per_block
    [fitted_range]    n_params / n_tokens / flops = [low, high]
    [uncertainty]     samples + sample_names | intervals + interval_level | standard_errors; correlation
    [repetition]      R_D_star, R_N_star (Muennighoff et al. 2023; parametric laws only)
    [calibration]     rows = [[N, C, D], ...]
    [distillation]    A, B, alpha, beta, gamma, c0, c1, f1, d1 of the distillation law (Busbridge et al. 2025)
    [fit]             how ``plan fit`` made the file

Every table is validated when the file is read (:func:`law_from_mapping`, with the checks of
:mod:`planner.files.tomlfile`), so a malformed file fails at once with one line naming the key, the table and the
file, never later in the command that uses it. :func:`planner.files.lawwriter.law_file_text` writes a fitted law in
the same format; task-law files (``form = "tasks"``) are :mod:`planner.files.taskfile`'s.
"""


from __future__ import annotations

import math
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping, cast

from ..base.errors import PresetError, literal, unknown_key
from ..laws import FAMILIES, family as family_of
from ..laws.law import Law, Uncertainty, check_coefficient
from .tomlfile import (
    RANGE_KEYS, check_keys, header, is_finite, matrix, number, parse_toml, range_pair, read_toml_text, short, subtable,
    typed,
)

if TYPE_CHECKING:
    from ..laws.distillation import DistillationLaw

__all__ = ["law_from_mapping", "parse_law_text", "load_law_file"]

_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "citation", "conventions", "coefficients", "rule", "moe",
             "fitted_range", "uncertainty", "calibration", "repetition", "distillation", "fit")
_MOE_KEYS = ("expansion_rate", "granularities", "routing_flops", "width_per_block")
_UNCERTAINTY_KEYS = ("method", "n_resamples", "n_failed", "seed", "standard_errors", "interval_level", "intervals",
                     "sample_names", "samples", "correlation_names", "correlation", "correlation_source")
_FIT_KEYS = {"source": str, "method": str, "n_runs": int, "n_starts": int, "objective": float, "converged": bool,
             "huber_delta": float, "n_params_range": list, "n_tokens_range": list, "flops_range": list,
             "residuals": dict, "standard_errors": dict, "standard_error_method": str, "objective_function": str,
             "tied": list, "fixed": dict, "overestimate_penalty": float, "weights": str}
#: The objectives a [fit] table may name (planner.fitting.objectives.OBJECTIVES; not imported: no numpy here).
_OBJECTIVE_FUNCTIONS = ("huber-log", "least-squares", "asymmetric")


def load_law_file(path: str) -> Law:
    """Read and validate a law file from disk (a regular file of at most :data:`MAX_LAW_FILE_BYTES`)."""
    return parse_law_text(read_toml_text(path, "law file", ("presets", "show", "besiroglu2024")), str(path))



def parse_law_text(text: str, source: str) -> Law:
    """The law of a law file's TOML ``text``; ``source`` names it in errors."""
    return law_from_mapping(parse_toml(text, source, "a law file"), source=source)



def law_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Law:
    """Validate a parsed law file, every table of it, and build the :class:`~planner.laws.Law`.

    Errors are :class:`~planner.base.errors.PresetError` naming the key, its table and ``source``. A task-law file
    (``form = "tasks"``) is read by :func:`task_laws_from_mapping` instead.
    """
    where = source
    if "hyperparameters" in data:
        raise PresetError(f"a [hyperparameters] table is no longer read from a scaling-law file ({where}): learning "
                          "rate and batch size laws are files of their own (form = \"hparams\", as "
                          "presets/hparams/deepseek2024.toml); move the table into one")
    head = header(data, where, _TOP_KEYS, ("id", "title", "form", "citation", "coefficients"))
    law_id, title, form, aliases, notes = head["id"], head["title"], head["form"], head["aliases"], head["notes"]
    citation, conventions, k = head["citation"], head["conventions"], head["k"]
    if form not in FAMILIES:
        raise PresetError(f"'form' must be one of {', '.join(FAMILIES)} (got {form!r}) in {where}")
    family: Any = family_of(form)  # a law family class: coefficient_names, and the law it builds

    coefficients = subtable(data, "coefficients", where)
    kwargs = {key: check_coefficient(family, key, value, f"[coefficients] of {where}")
              for key, value in coefficients.items()}
    for key in family.coefficient_names:
        if key not in kwargs:
            raise PresetError(f"missing coefficient {key!r} in [coefficients] of {where} (form {form!r} needs "
                              f"{', '.join(family.coefficient_names)})")

    rule = subtable(data, "rule", where)
    if form == "allocation":
        # only an allocation rule needs the module: off the plan --flops path
        from ..laws.allocation import ALLOCATION_GIVES

        check_keys(rule, ("gives", "flops_unit"), "[rule]", where)
        gives = typed(rule.get("gives", ""), str, "gives", f"[rule] of {where}")
        if gives not in ALLOCATION_GIVES:
            raise PresetError(f"'gives' must be one of {', '.join(ALLOCATION_GIVES)} (got {gives!r}) "
                              f"in [rule] of {where}")
        unit = number(rule.get("flops_unit", 1.0), "flops_unit", f"[rule] of {where}", positive=True)
        kwargs.update(gives=gives, flops_unit=unit)
    elif rule:
        raise PresetError(f"[rule] is only for form 'allocation' (this law is {form!r}) in {where}")
    moe = subtable(data, "moe", where)
    if form == "moe":
        kwargs.update(_moe(moe, where))
    elif moe:
        raise PresetError(f"[moe] is only for form 'moe' (this law is {form!r}) in {where}")
    model = family(flops_per_param_token=k, **kwargs)

    fitted_range = {}
    table = subtable(data, "fitted_range", where)
    check_keys(table, RANGE_KEYS, "[fitted_range]", where)
    for key, value in table.items():
        fitted_range[key] = range_pair(value, key, f"[fitted_range] of {where}")

    return Law(
        id=law_id, title=title, model=model, citation=MappingProxyType(citation),
        parameters=conventions.get("parameters", "total"), dataset=conventions.get("dataset", ""),
        aliases=aliases, notes=notes, fitted_range=MappingProxyType(fitted_range),
        uncertainty=_uncertainty(data, model, where) if "uncertainty" in data else None,
        repetition=_repetition(data, form, law_id, where) if "repetition" in data else None,
        calibration=_calibration(data, where) if "calibration" in data else None,
        distillation=_distillation(data, model, where) if "distillation" in data else None,
        fit=MappingProxyType(_fit(data, where, family)) if "fit" in data else MappingProxyType({}),
        source=source,
    )



def _coefficient_names(names, model, key: str, where: str) -> tuple[str, ...]:
    allowed = model.coefficient_names
    names = tuple(names)
    if not names or len(set(names)) != len(names) or any(not isinstance(n, str) or n not in allowed for n in names):
        raise PresetError(f"{key!r} must name distinct coefficients of this law ({', '.join(allowed)}); "
                          f"got {short(list(names))} in {where}")
    return names


def _moe(table, source: str) -> dict:
    """The ``[moe]`` table of a fine-grained MoE law: E (required), the granularities searched, c_r and the width
    per block of the shape assumption (defaults: :mod:`planner.base.conventions`)."""
    where = f"[moe] of {source}"
    check_keys(table, _MOE_KEYS, "[moe]", source)
    if "expansion_rate" not in table:
        raise PresetError(f"missing key 'expansion_rate' in {where} (E = 64 for Krajewski et al.'s Table 1)")
    out: dict[str, Any] = {}
    for key in ("expansion_rate", "routing_flops", "width_per_block"):
        if key in table:
            out[key] = number(table[key], key, where, positive=True)
    if out["expansion_rate"] < 1:
        raise PresetError(f"'expansion_rate' must be >= 1, the experts' parameters per dense feed-forward layer "
                          f"(got {out['expansion_rate']:g}) in {where}")
    if "granularities" in table:
        values = typed(table["granularities"], list, "granularities", where)
        gs = [number(v, "granularities", where) for v in values]
        if not gs or any(g < 1 for g in gs) or len(set(gs)) != len(gs):
            raise PresetError(f"'granularities' must be distinct numbers >= 1, e.g. [1, 2, 4, 8] "
                              f"(got {short(values)}) in {where}")
        out["granularities"] = tuple(sorted(gs))
    return out


def _distillation(data, model, source: str) -> "DistillationLaw":
    """The ``[distillation]`` table: the distillation law's coefficients, for students of this law."""
    # only a law with this table needs the module: off the plan --flops path
    from ..laws.distillation import DistillationLaw

    where = f"[distillation] of {source}"
    table = typed(data["distillation"], dict, "distillation", source)
    if model.form not in ("parametric", "busbridge"):
        raise PresetError(f"[distillation] needs a parametric or busbridge law, L(N, D) = E + (A/N^alpha + "
                          f"B/D^beta)^gamma, for the student's supervised loss (this law is {model.form!r}) in {source}")
    values = {key: check_coefficient(DistillationLaw, key, value, where)
              for key, value in table.items()}
    missing = [name for name in DistillationLaw.coefficient_names if name not in values]
    if missing:
        raise PresetError(f"missing coefficient {missing[0]!r} in {where} (the distillation law needs "
                          f"{', '.join(DistillationLaw.coefficient_names)})")
    return DistillationLaw(**values)


def _uncertainty(data, model, source: str) -> Uncertainty:
    """The ``[uncertainty]`` table: every key known, every value of the right type and range."""
    where = f"[uncertainty] of {source}"
    unc = typed(data["uncertainty"], dict, "uncertainty", source)
    if getattr(model, "routed", False):
        raise PresetError.worded(f"[uncertainty] is not supported for form {model.form!r} yet: {{ci}} draws "
                                 "coefficients through closed-form optima, and the MoE optimum is numeric; remove it "
                                 "from " + literal(source), ci="plan_intervals")
    check_keys(unc, _UNCERTAINTY_KEYS, "[uncertainty]", source)
    out: dict[str, Any] = {}
    for key in ("method", "correlation_source"):
        if key in unc:
            out[key] = typed(unc[key], str, key, where)
    for key in ("n_resamples", "n_failed", "seed"):
        if key in unc:
            out[key] = typed(unc[key], int, key, where)
    if "interval_level" in unc:
        level = number(unc["interval_level"], "interval_level", where)
        if not 0 < level < 100:
            raise PresetError(f"'interval_level' must be a percentage between 0 and 100 (got {level:g}) in {where}")
        out["interval_level"] = level
    if "standard_errors" in unc:
        table = typed(unc["standard_errors"], dict, "standard_errors", where)
        _coefficient_names(table, model, "standard_errors", where)
        ses = {name: number(v, f"standard_errors.{name}", where) for name, v in table.items()}
        for name, se in ses.items():
            if se < 0:
                raise PresetError(f"standard error of {name!r} must be >= 0 (got {se:g}) in {where}")
        out["standard_errors"] = MappingProxyType(ses)
    if "intervals" in unc:
        table = typed(unc["intervals"], dict, "intervals", where)
        _coefficient_names(table, model, "intervals", where)
        intervals = {}
        for name, pair in table.items():
            c = getattr(model, name)
            ok = isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and is_finite(v) for v in pair)
            # Draws are made from intervals only without samples: then they must bracket the estimate. Beside
            # samples they are a summary, and a bootstrap interval need not contain the full-data estimate.
            around = "samples" in unc or (ok and pair[0] <= c <= pair[1])
            if not ok or pair[0] > pair[1] or not around or (name in model.scale_names and pair[0] <= 0):
                raise PresetError(f"interval of {name!r} must be [low, high], finite, around its estimate {c:g} "
                                  f"(got {short(pair)}) in {where}")
            intervals[name] = (float(pair[0]), float(pair[1]))
        out["intervals"] = MappingProxyType(intervals)
    if "samples" in unc:
        names = _coefficient_names(unc.get("sample_names", model.coefficient_names), model, "sample_names", where)
        rows = matrix(unc["samples"], len(names), "samples", where)
        if len(rows) < 2:
            raise PresetError(f"'samples' must be at least 2 rows of {len(names)} numbers ({', '.join(names)}) "
                              f"in {where}")
        out["sample_names"], out["samples"] = names, rows
    elif "sample_names" in unc:
        raise PresetError(f"'sample_names' needs 'samples' in {where}")
    if "correlation" in unc:
        if "correlation_names" not in unc:
            raise PresetError(f"'correlation' must be a matrix over 'correlation_names', which is missing, in {where}")
        names = _coefficient_names(unc["correlation_names"], model, "correlation_names", where)
        R = matrix(unc["correlation"], len(names), "correlation", where)
        if len(R) != len(names):
            raise PresetError(f"'correlation' must be a {len(names)}×{len(names)} matrix over 'correlation_names' "
                              f"in {where}")
        _check_correlation(R, where)
        drawn = set(out.get("intervals", {})) or set(out.get("standard_errors", {}))
        if drawn and set(names) != drawn:
            raise PresetError(f"'correlation_names' must name the coefficients with intervals or standard errors "
                              f"({', '.join(sorted(drawn))}) in {where}")
        out["correlation_names"], out["correlation"] = names, R
    elif "correlation_names" in unc:
        raise PresetError(f"'correlation_names' needs 'correlation' in {where}")
    return Uncertainty(**out)



def _check_correlation(R, where: str) -> None:
    """Symmetric, ones on the diagonal, positive definite (a Cholesky factorisation exists), in pure Python."""
    n = len(R)
    if any(abs(R[i][j] - R[j][i]) > 1e-8 for i in range(n) for j in range(n)) or \
            any(abs(R[i][i] - 1.0) > 1e-8 for i in range(n)):
        raise PresetError(f"'correlation' must be symmetric with ones on the diagonal in {where}")
    L = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = R[i][j] - sum(L[i][m] * L[j][m] for m in range(j))
            if i == j:
                if s <= 0:
                    raise PresetError(f"'correlation' must be positive definite in {where}")
                L[i][i] = math.sqrt(s)
            else:
                L[i][j] = s / L[j][j]


def _repetition(data, form: str, law_id: str, source: str):
    # only a law with this table needs the module: off the plan --flops path
    from ..laws.repetition import Repetition

    where = f"[repetition] of {source}"
    table = typed(data["repetition"], dict, "repetition", source)
    if form != "parametric":
        raise PresetError(f"[repetition] is only for parametric laws, as Muennighoff et al. 2023 fit it (this law is "
                          f"{form!r}) in {source}")
    check_keys(table, ("R_D_star", "R_N_star"), "[repetition]", source)
    values = []
    for key in ("R_D_star", "R_N_star"):
        if key not in table:
            raise PresetError(f"missing key {key!r} in {where} (Muennighoff et al. 2023 fit R_D_star = 15.387756, "
                              "R_N_star = 5.309743)")
        values.append(number(table[key], key, where, positive=True))
    return Repetition(values[0], values[1], source=law_id)



def _calibration(data, source: str):
    # only a law with this table needs the module: off the plan --flops path
    from ..laws.tables import Calibration

    where = f"[calibration] of {source}"
    table = typed(data["calibration"], dict, "calibration", source)
    check_keys(table, ("rows",), "[calibration]", source)
    rows = matrix(table.get("rows", []), 3, "rows", where)
    if not rows or not all(v > 0 for row in rows for v in row):
        raise PresetError(f"'rows' must be a non-empty list of [N, C, D], each > 0, in {where}")
    return Calibration(rows=cast("tuple[tuple[float, float, float], ...]", rows))  # matrix() checked 3 per row


def _fit(data, source: str, family) -> dict:
    where = f"[fit] of {source}"
    table = typed(data["fit"], dict, "fit", source)
    check_keys(table, _FIT_KEYS, "[fit]", source)
    out = {}
    for key, value in table.items():
        expected = _FIT_KEYS[key]
        out[key] = typed(value, expected, key, where)
        if key.endswith("_range"):
            out[key] = range_pair(value, key, where)
        elif key == "tied":
            out[key] = tuple(_tie(v, family, where) for v in value)
        elif expected is dict:
            out[key] = {k: number(v, f"{key}.{k}", where) for k, v in value.items()}
    if out.get("objective_function", _OBJECTIVE_FUNCTIONS[0]) not in _OBJECTIVE_FUNCTIONS:
        raise PresetError(f"'objective_function' must be one of {', '.join(_OBJECTIVE_FUNCTIONS)} "
                          f"(got {out['objective_function']!r}) in {where}")
    for name in out.get("fixed", {}):
        if name not in family.coefficient_names:
            raise unknown_key(name, family.coefficient_names, "fixed", where)
    return out


def _tie(value, family, where: str) -> str:
    """A [fit] ``tied`` entry: ``"alpha=beta"``, two coefficients of the law."""
    text = typed(value, str, "tied", where)
    names = [n.strip() for n in text.split("=")]
    if len(names) != 2 or any(n not in family.coefficient_names for n in names) or names[0] == names[1]:
        raise PresetError(f"'tied' entries must be NAME=NAME of two of this law's coefficients "
                          f"({', '.join(family.coefficient_names)}); got {text!r} in {where}")
    return f"{names[0]}={names[1]}"


# ---------------------------------------------------------------------------------------------------------------------
