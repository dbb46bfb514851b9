"""The law-file format: the one place that reads, validates and writes law files.

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
    [hyperparameters] learning_rate, batch_tokens = { coefficient = k, exponent = e }
    [calibration]     rows = [[N, C, D], ...]
    [distillation]    A, B, alpha, beta, gamma, c0, c1, f1, d1 of the distillation law (Busbridge et al. 2025)
    [fit]             how ``plan fit`` made the file

Every table is validated when the file is read (:func:`law_from_mapping`), so a malformed file fails at once with
one line naming the key, the table and the file, never later in the command that uses it. :func:`law_file_text`
writes a fitted law in the same format; the file it writes reads back with :func:`law_from_mapping`.
"""

from __future__ import annotations

import math
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import LawFileError, PresetError, unknown_key
from ..laws import FAMILIES, family as family_of
from ..laws.law import Law, Uncertainty, check_coefficient

if TYPE_CHECKING:
    from ..fitting.result import BootstrapResult, FitResult

if TYPE_CHECKING:
    from ..laws.tasks import TaskLaw, TaskLaws

__all__ = ["law_from_mapping", "parse_law_text", "load_law_file", "law_file_text", "law_from_fit", "MAX_LAW_FILE_BYTES",
           "task_laws_from_mapping", "parse_task_law_text", "load_task_law_file", "task_law_file_text"]

#: The largest law file read (a fitted law with 100,000 bootstrap samples is about 8 MB).
MAX_LAW_FILE_BYTES = 32 * 1024 * 1024

_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "citation", "conventions", "coefficients", "rule", "moe",
             "fitted_range", "uncertainty", "calibration", "hyperparameters", "repetition", "distillation", "fit")
_MOE_KEYS = ("expansion_rate", "granularities", "routing_flops", "width_per_block")
_CITATION_KEYS = {"authors": str, "year": int, "title": str, "arxiv": str, "where": str, "url": str}
_CONVENTION_KEYS = {"parameters": str, "flops_per_param_token": float, "dataset": str}
_RANGE_KEYS = ("n_params", "n_tokens", "flops")
_UNCERTAINTY_KEYS = ("method", "n_resamples", "n_failed", "seed", "standard_errors", "interval_level", "intervals",
                     "sample_names", "samples", "correlation_names", "correlation", "correlation_source")
_FIT_KEYS = {"source": str, "method": str, "n_runs": int, "n_starts": int, "objective": float, "converged": bool,
             "huber_delta": float, "n_params_range": list, "n_tokens_range": list, "flops_range": list,
             "residuals": dict, "standard_errors": dict, "standard_error_method": str, "objective_function": str,
             "tied": list, "fixed": dict}
#: The objectives a [fit] table may name (planner.fitting.objectives.OBJECTIVES; not imported: no numpy here).
_OBJECTIVE_FUNCTIONS = ("huber-log", "least-squares")


# ---------------------------------------------------------------------------------------------------------------------
# reading


def load_law_file(path: str) -> Law:
    """Read and validate a law file from disk (a regular file of at most :data:`MAX_LAW_FILE_BYTES`)."""
    return parse_law_text(_read(path, "law file", "plan presets show besiroglu2024"), str(path))


def _read(path: str, what: str, example: str) -> str:
    from .safe import read_text

    return read_text(path, what, LawFileError, kind=f"a TOML {what}", limit=MAX_LAW_FILE_BYTES,
                     hint=f" ('{example}' prints one)")


def parse_law_text(text: str, source: str) -> Law:
    """The law of a law file's TOML ``text``; ``source`` names it in errors."""
    return law_from_mapping(_toml(text, source, "a law file"), source=source)


def _toml(text: str, source: str, what: str) -> dict:
    """The TOML ``text`` parsed; LawFileError naming ``source`` where it is not TOML."""
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise LawFileError(f"{source} is not valid TOML: {e}") from None
    except RecursionError:
        raise LawFileError(f"{source} is nested too deeply to be {what}") from None


# ---------------------------------------------------------------------------------------------------------------------
# validation


def _type_name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "a table",
            bool: "true or false"}[t]


def _typed(value, expected: type, name: str, where: str):
    """``value`` if it has the ``expected`` TOML type (an integer is a number too), else PresetError."""
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise PresetError(f"{name!r} must be a number planner can compute with (got an integer of "
                              f"{len(str(abs(value)))} digits) in {where}") from None
    ok = isinstance(value, bool) if expected is bool else isinstance(value, expected) and not isinstance(value, bool)
    if not ok:
        raise PresetError(f"{name!r} must be {_type_name(expected)} (got {type(value).__name__} {_short(value)}) "
                          f"in {where}")
    if expected is float and not math.isfinite(value):
        raise PresetError(f"{name!r} must be a finite number (got {value!r}) in {where}")
    return value


def _is_finite(v) -> bool:
    """A finite number (an integer too large for a float is not: it has no finite float value)."""
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _number(value, name: str, where: str, positive: bool = False) -> float:
    x = _typed(value, float, name, where)
    if positive and not x > 0:
        raise PresetError(f"{name!r} must be > 0 (got {x:g}) in {where}")
    return x


def _table(data: Mapping, key: str, where: str) -> dict:
    return dict(_typed(data.get(key, {}), dict, key, where))


def _keys(table: Mapping, allowed, name: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            raise unknown_key(key, allowed, name, where)


def _header(data: Mapping[str, Any], where: str, top_keys, required) -> dict:
    """The parts every law file shares, validated: id, title, form, aliases, notes, [citation], [conventions]
    (with ``flops_per_param_token`` defaulted); unknown top-level keys and missing ``required`` ones are errors."""
    _keys(data, top_keys, "the top level", where)
    for key in required:
        if key not in data:
            raise PresetError(f"missing key {key!r} in {where}")

    law_id = _typed(data["id"], str, "id", where).strip()
    if not law_id:
        raise PresetError(f"'id' must not be empty in {where}")
    title = _typed(data["title"], str, "title", where)
    form = _typed(data["form"], str, "form", where)

    aliases = tuple(_typed(a, str, "aliases", where).lower()
                    for a in _typed(data.get("aliases", []), list, "aliases", where))
    notes = tuple(_typed(n, str, "notes", where) for n in _typed(data.get("notes", []), list, "notes", where))

    citation = _table(data, "citation", where)
    _keys(citation, _CITATION_KEYS, "[citation]", where)
    for key, value in citation.items():
        _typed(value, _CITATION_KEYS[key], key, f"[citation] of {where}")
    for key in ("authors", "year", "title"):
        if key not in citation:
            raise PresetError(f"missing key {key!r} in [citation] of {where}")

    conventions = _table(data, "conventions", where)
    _keys(conventions, _CONVENTION_KEYS, "[conventions]", where)
    for key, value in conventions.items():
        conventions[key] = _typed(value, _CONVENTION_KEYS[key], key, f"[conventions] of {where}")
    k = conventions.get("flops_per_param_token", FLOPS_PER_PARAM_TOKEN)
    if not k > 0:
        raise PresetError(f"'flops_per_param_token' must be > 0 (got {k:g}) in [conventions] of {where}")
    return dict(id=law_id, title=title, form=form, aliases=aliases, notes=notes, citation=citation,
                conventions=conventions, k=k)


def law_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> Law:
    """Validate a parsed law file, every table of it, and build the :class:`~planner.laws.Law`.

    Errors are :class:`~planner.base.errors.PresetError` naming the key, its table and ``source``. A task-law file
    (``form = "tasks"``) is read by :func:`task_laws_from_mapping` instead.
    """
    where = source
    if data.get("form") == "tasks":
        raise PresetError(f"{where} is a task-law file (form 'tasks'), which forecasts benchmark accuracy: give it "
                          "to --tasks, not as a scaling law")
    head = _header(data, where, _TOP_KEYS, ("id", "title", "form", "citation", "coefficients"))
    law_id, title, form, aliases, notes = head["id"], head["title"], head["form"], head["aliases"], head["notes"]
    citation, conventions, k = head["citation"], head["conventions"], head["k"]
    if form not in FAMILIES:
        raise PresetError(f"'form' must be one of {', '.join(FAMILIES)} (got {form!r}) in {where}")
    family = family_of(form)

    coefficients = _table(data, "coefficients", where)
    kwargs = {key: check_coefficient(family, key, value, f"[coefficients] of {where}")
              for key, value in coefficients.items()}
    for key in family.coefficient_names:
        if key not in kwargs:
            raise PresetError(f"missing coefficient {key!r} in [coefficients] of {where} (form {form!r} needs "
                              f"{', '.join(family.coefficient_names)})")

    rule = _table(data, "rule", where)
    if form == "allocation":
        from ..laws.allocation import ALLOCATION_GIVES

        _keys(rule, ("gives", "flops_unit"), "[rule]", where)
        gives = _typed(rule.get("gives", ""), str, "gives", f"[rule] of {where}")
        if gives not in ALLOCATION_GIVES:
            raise PresetError(f"'gives' must be one of {', '.join(ALLOCATION_GIVES)} (got {gives!r}) "
                              f"in [rule] of {where}")
        unit = _number(rule.get("flops_unit", 1.0), "flops_unit", f"[rule] of {where}", positive=True)
        kwargs.update(gives=gives, flops_unit=unit)
    elif rule:
        raise PresetError(f"[rule] is only for form 'allocation' (this law is {form!r}) in {where}")
    moe = _table(data, "moe", where)
    if form == "moe":
        kwargs.update(_moe(moe, where))
    elif moe:
        raise PresetError(f"[moe] is only for form 'moe' (this law is {form!r}) in {where}")
    model = family(flops_per_param_token=k, **kwargs)

    fitted_range = {}
    table = _table(data, "fitted_range", where)
    _keys(table, _RANGE_KEYS, "[fitted_range]", where)
    for key, value in table.items():
        fitted_range[key] = _range(value, key, f"[fitted_range] of {where}")

    return Law(
        id=law_id, title=title, model=model, citation=MappingProxyType(citation),
        parameters=conventions.get("parameters", "total"), dataset=conventions.get("dataset", ""),
        aliases=aliases, notes=notes, fitted_range=MappingProxyType(fitted_range),
        uncertainty=_uncertainty(data, model, where) if "uncertainty" in data else None,
        repetition=_repetition(data, form, law_id, where) if "repetition" in data else None,
        hyperparameters=_hyperparameters(data, where) if "hyperparameters" in data else None,
        calibration=_calibration(data, where) if "calibration" in data else None,
        distillation=_distillation(data, model, where) if "distillation" in data else None,
        fit=MappingProxyType(_fit(data, where, family)) if "fit" in data else MappingProxyType({}),
        source=source,
    )


def _range(value, key: str, where: str) -> tuple[float, float]:
    ok = isinstance(value, list) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and _is_finite(v) and v > 0 for v in value)
    if not ok or value[0] > value[1]:
        raise PresetError(f"{key!r} must be [low, high] with 0 < low <= high (got {_short(value)}) in {where}")
    return float(value[0]), float(value[1])


def _coefficient_names(names, model, key: str, where: str) -> tuple[str, ...]:
    allowed = model.coefficient_names
    names = tuple(names)
    if not names or len(set(names)) != len(names) or any(not isinstance(n, str) or n not in allowed for n in names):
        raise PresetError(f"{key!r} must name distinct coefficients of this law ({', '.join(allowed)}); "
                          f"got {_short(list(names))} in {where}")
    return names


def _moe(table, source: str) -> dict:
    """The ``[moe]`` table of a fine-grained MoE law: E (required), the granularities searched, c_r and the width
    per block of the shape assumption (defaults: :mod:`planner.base.conventions`)."""
    where = f"[moe] of {source}"
    _keys(table, _MOE_KEYS, "[moe]", source)
    if "expansion_rate" not in table:
        raise PresetError(f"missing key 'expansion_rate' in {where} (E = 64 for Krajewski et al.'s Table 1)")
    out = {}
    for key in ("expansion_rate", "routing_flops", "width_per_block"):
        if key in table:
            out[key] = _number(table[key], key, where, positive=True)
    if out["expansion_rate"] < 1:
        raise PresetError(f"'expansion_rate' must be >= 1, the experts' parameters per dense feed-forward layer "
                          f"(got {out['expansion_rate']:g}) in {where}")
    if "granularities" in table:
        values = _typed(table["granularities"], list, "granularities", where)
        gs = [_number(v, "granularities", where) for v in values]
        if not gs or any(g < 1 for g in gs) or len(set(gs)) != len(gs):
            raise PresetError(f"'granularities' must be distinct numbers >= 1, e.g. [1, 2, 4, 8] "
                              f"(got {_short(values)}) in {where}")
        out["granularities"] = tuple(sorted(gs))
    return out


def _distillation(data, model, source: str) -> "DistillationLaw":
    """The ``[distillation]`` table: the distillation law's coefficients, for students of this law."""
    from ..laws.distillation import DistillationLaw

    where = f"[distillation] of {source}"
    table = _typed(data["distillation"], dict, "distillation", source)
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
    unc = _typed(data["uncertainty"], dict, "uncertainty", source)
    if getattr(model, "routed", False):
        raise PresetError(f"[uncertainty] is not supported for form {model.form!r} yet: --ci draws coefficients "
                          f"through closed-form optima, and the MoE optimum is numeric; remove it from {source}")
    _keys(unc, _UNCERTAINTY_KEYS, "[uncertainty]", source)
    out: dict[str, Any] = {}
    for key in ("method", "correlation_source"):
        if key in unc:
            out[key] = _typed(unc[key], str, key, where)
    for key in ("n_resamples", "n_failed", "seed"):
        if key in unc:
            out[key] = _typed(unc[key], int, key, where)
    if "interval_level" in unc:
        level = _number(unc["interval_level"], "interval_level", where)
        if not 0 < level < 100:
            raise PresetError(f"'interval_level' must be a percentage between 0 and 100 (got {level:g}) in {where}")
        out["interval_level"] = level
    if "standard_errors" in unc:
        table = _typed(unc["standard_errors"], dict, "standard_errors", where)
        _coefficient_names(table, model, "standard_errors", where)
        ses = {name: _number(v, f"standard_errors.{name}", where) for name, v in table.items()}
        for name, se in ses.items():
            if se < 0:
                raise PresetError(f"standard error of {name!r} must be >= 0 (got {se:g}) in {where}")
        out["standard_errors"] = MappingProxyType(ses)
    if "intervals" in unc:
        table = _typed(unc["intervals"], dict, "intervals", where)
        _coefficient_names(table, model, "intervals", where)
        intervals = {}
        for name, pair in table.items():
            c = getattr(model, name)
            ok = isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and _is_finite(v) for v in pair)
            # Draws are made from intervals only without samples: then they must bracket the estimate. Beside
            # samples they are a summary, and a bootstrap interval need not contain the full-data estimate.
            around = "samples" in unc or (ok and pair[0] <= c <= pair[1])
            if not ok or pair[0] > pair[1] or not around or (name in model.scale_names and pair[0] <= 0):
                raise PresetError(f"interval of {name!r} must be [low, high], finite, around its estimate {c:g} "
                                  f"(got {_short(pair)}) in {where}")
            intervals[name] = (float(pair[0]), float(pair[1]))
        out["intervals"] = MappingProxyType(intervals)
    if "samples" in unc:
        names = _coefficient_names(unc.get("sample_names", model.coefficient_names), model, "sample_names", where)
        rows = _matrix(unc["samples"], len(names), "samples", where)
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
        R = _matrix(unc["correlation"], len(names), "correlation", where)
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


def _matrix(value, width: int, key: str, where: str) -> tuple[tuple[float, ...], ...]:
    """A list of rows of ``width`` finite numbers, as tuples of floats."""
    bad = PresetError(f"{key!r} must be a list of rows of {width} finite numbers in {where}")
    if not isinstance(value, list):
        raise bad
    rows = []
    for row in value:
        if not isinstance(row, list) or len(row) != width:
            raise bad
        try:
            floats = tuple(float(v) for v in row if not isinstance(v, bool))
        except (TypeError, ValueError, OverflowError):
            raise bad from None
        if len(floats) != width or not all(math.isfinite(v) for v in floats):
            raise bad
        rows.append(floats)
    return tuple(rows)


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
    from ..laws.repetition import Repetition

    where = f"[repetition] of {source}"
    table = _typed(data["repetition"], dict, "repetition", source)
    if form != "parametric":
        raise PresetError(f"[repetition] is only for parametric laws, as Muennighoff et al. 2023 fit it (this law is "
                          f"{form!r}) in {source}")
    _keys(table, ("R_D_star", "R_N_star"), "[repetition]", source)
    values = []
    for key in ("R_D_star", "R_N_star"):
        if key not in table:
            raise PresetError(f"missing key {key!r} in {where} (Muennighoff et al. 2023 fit R_D_star = 15.387756, "
                              "R_N_star = 5.309743)")
        values.append(_number(table[key], key, where, positive=True))
    return Repetition(values[0], values[1], source=law_id)


def _hyperparameters(data, source: str):
    from ..laws.tables import HyperparameterLaws, PowerLaw

    where = f"[hyperparameters] of {source}"
    table = _typed(data["hyperparameters"], dict, "hyperparameters", source)
    _keys(table, ("learning_rate", "batch_tokens"), "[hyperparameters]", source)
    laws = {}
    for name in ("learning_rate", "batch_tokens"):
        entry = table.get(name)
        if not isinstance(entry, dict) or set(entry) != {"coefficient", "exponent"}:
            raise PresetError(f"{name!r} must be {{ coefficient = k, exponent = e }} in {where} (got {_short(entry)})")
        laws[name] = PowerLaw(_number(entry["coefficient"], f"{name}.coefficient", where, positive=True),
                              _number(entry["exponent"], f"{name}.exponent", where))
    return HyperparameterLaws(**laws)


def _calibration(data, source: str):
    from ..laws.tables import Calibration

    where = f"[calibration] of {source}"
    table = _typed(data["calibration"], dict, "calibration", source)
    _keys(table, ("rows",), "[calibration]", source)
    rows = _matrix(table.get("rows", []), 3, "rows", where)
    if not rows or not all(v > 0 for row in rows for v in row):
        raise PresetError(f"'rows' must be a non-empty list of [N, C, D], each > 0, in {where}")
    return Calibration(rows=rows)


def _fit(data, source: str, family) -> dict:
    where = f"[fit] of {source}"
    table = _typed(data["fit"], dict, "fit", source)
    _keys(table, _FIT_KEYS, "[fit]", source)
    out = {}
    for key, value in table.items():
        expected = _FIT_KEYS[key]
        out[key] = _typed(value, expected, key, where)
        if key.endswith("_range"):
            out[key] = _range(value, key, where)
        elif key == "tied":
            out[key] = tuple(_tie(v, family, where) for v in value)
        elif expected is dict:
            out[key] = {k: _number(v, f"{key}.{k}", where) for k, v in value.items()}
    if out.get("objective_function", _OBJECTIVE_FUNCTIONS[0]) not in _OBJECTIVE_FUNCTIONS:
        raise PresetError(f"'objective_function' must be one of {', '.join(_OBJECTIVE_FUNCTIONS)} "
                          f"(got {out['objective_function']!r}) in {where}")
    for name in out.get("fixed", {}):
        if name not in family.coefficient_names:
            raise unknown_key(name, family.coefficient_names, "fixed", where)
    return out


def _tie(value, family, where: str) -> str:
    """A [fit] ``tied`` entry: ``"alpha=beta"``, two coefficients of the law."""
    text = _typed(value, str, "tied", where)
    names = [n.strip() for n in text.split("=")]
    if len(names) != 2 or any(n not in family.coefficient_names for n in names) or names[0] == names[1]:
        raise PresetError(f"'tied' entries must be NAME=NAME of two of this law's coefficients "
                          f"({', '.join(family.coefficient_names)}); got {text!r} in {where}")
    return f"{names[0]}={names[1]}"


# ---------------------------------------------------------------------------------------------------------------------
# task-law files (form = "tasks"): benchmark accuracy from scale in two steps (planner.laws.tasks)

_TASKS_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "citation", "conventions", "tasks", "fit")
_TASKS_FIT_KEYS = {"source": str, "method": str, "command": str, "n_runs": int, "seed": int}
_TASK_KEYS = ("name", "metric", "chance", "task_loss", "notes", "step1", "step2", "fitted_range", "step1_points",
              "step2_points", "uncertainty", "fit")
_TASK_RANGE_KEYS = _RANGE_KEYS + ("task_loss",)
_TASK_UNCERTAINTY_KEYS = ("method", "n_resamples", "n_failed", "seed", "sample_names", "samples")
_TASK_FIT_KEYS = {"method": str, "n_points": int, "n_runs": int, "objective": float, "step1_rms": float,
                  "step2_rms": float, "warnings": list}


def load_task_law_file(path: str) -> TaskLaws:
    """Read and validate a task-law file (``form = "tasks"``) from disk → :class:`~planner.laws.tasks.TaskLaws`."""
    return parse_task_law_text(_read(path, "task-law file", "plan tasks show bhagia2024"), str(path))


def parse_task_law_text(text: str, source: str) -> TaskLaws:
    """The :class:`~planner.laws.tasks.TaskLaws` of a task-law file's TOML ``text``; ``source`` names it in errors."""
    return task_laws_from_mapping(_toml(text, source, "a task-law file"), source=source)


def task_laws_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> TaskLaws:
    """Validate a parsed task-law file, every table of every task, and build its
    :class:`~planner.laws.tasks.TaskLaws`. Errors are :class:`~planner.base.errors.PresetError` naming the key, its table
    and ``source``, with the closest key where one is misspelt."""
    from ..laws.tasks import TaskLaws

    where = source
    head = _header(data, where, _TASKS_TOP_KEYS, ("id", "title", "form", "citation", "tasks"))
    if head["form"] != "tasks":
        raise PresetError(f"'form' must be 'tasks' in a task-law file (got {head['form']!r}) in {where}"
                          + ("; this is a scaling law: give it to --law" if head["form"] in FAMILIES else ""))
    k = head["k"]
    tasks = _typed(data["tasks"], dict, "tasks", where)
    if not tasks:
        raise PresetError(f"[tasks] must hold at least one task table ([tasks.mmlu] ...) in {where}")
    fit = {}
    if "fit" in data:
        table = _typed(data["fit"], dict, "fit", where)
        _keys(table, _TASKS_FIT_KEYS, "[fit]", where)
        fit = {key: _typed(value, _TASKS_FIT_KEYS[key], key, f"[fit] of {where}") for key, value in table.items()}
    conventions = head["conventions"]
    return TaskLaws(id=head["id"], title=head["title"], citation=MappingProxyType(head["citation"]),
                    tasks=tuple(_task(task_id, table, k, where) for task_id, table in tasks.items()),
                    parameters=conventions.get("parameters", "total"), flops_per_param_token=k,
                    dataset=conventions.get("dataset", ""), aliases=head["aliases"], notes=head["notes"],
                    fit=MappingProxyType(fit), source=source)


def _task(task_id: str, table, k: float, source: str) -> TaskLaw:
    """One ``[tasks.ID]`` table: metric, chance, both steps, ranges, points and bootstrap samples, all checked."""
    from ..laws import ParametricLaw
    from ..laws.tasks import METRICS, STEP1_NAMES, STEP2_FORMS, TaskLaw

    name = f"[tasks.{task_id}]"
    where = f"{name} of {source}"
    table = _typed(table, dict, f"tasks.{task_id}", source)
    if task_id != task_id.lower() or not task_id.strip():
        raise PresetError(f"task ids are lower case (got {task_id!r}) in [tasks] of {source}")
    _keys(table, _TASK_KEYS, name, source)
    for key in ("metric", "chance", "step1", "step2"):
        if key not in table:
            raise PresetError(f"missing key {key!r} in {where}")
    metric = _typed(table["metric"], str, "metric", where)
    if metric not in METRICS:
        raise PresetError(f"'metric' must be one of {', '.join(map(repr, METRICS))} (got {metric!r}) in {where}")
    chance = _number(table["chance"], "chance", where)
    if not 0 <= chance < 1:
        raise PresetError(f"'chance' must be an accuracy from 0 to below 1 (got {chance:g}) in {where}")

    step1 = _typed(table["step1"], dict, "step1", where)
    coefficients = {key: check_coefficient(ParametricLaw, key, value, f"step1 of {name} of {source}")
                    for key, value in step1.items()}
    for key in STEP1_NAMES:
        if key not in coefficients:
            raise PresetError(f"missing coefficient {key!r} in step1 of {name} of {source} (step 1 is "
                              f"E + A/N^alpha + B/D^beta: it needs {', '.join(STEP1_NAMES)})")
    loss_law = ParametricLaw(flops_per_param_token=k, **coefficients)

    step2 = dict(_typed(table["step2"], dict, "step2", where))
    form = _typed(step2.pop("form", ""), str, "form", f"step2 of {name} of {source}")
    if form not in STEP2_FORMS:
        raise PresetError(f"'form' must be one of {', '.join(map(repr, STEP2_FORMS))} (got {form!r}) in "
                          f"step2 of {name} of {source}")
    family = STEP2_FORMS[form]
    if family.metric != metric:
        raise PresetError(f"step 2 of form {form!r} predicts {family.metric}, but 'metric' is {metric!r} in {where}")
    _keys(step2, family.coefficient_names, f"step2 of {name}", source)
    values = {key: _number(step2[key], key, f"step2 of {name} of {source}") for key in step2}
    for key in family.coefficient_names:
        if key not in values:
            raise PresetError(f"missing coefficient {key!r} in step2 of {name} of {source} (form {form!r} needs "
                              f"{', '.join(family.coefficient_names)})")
    _check_step2(form, values, f"step2 of {name} of {source}")
    accuracy_law = family(**values)

    fitted_range = {}
    if "fitted_range" in table:
        ranges = _typed(table["fitted_range"], dict, "fitted_range", where)
        _keys(ranges, _TASK_RANGE_KEYS, f"fitted_range of {name}", source)
        fitted_range = {key: _range(value, key, f"fitted_range of {name} of {source}") for key, value in ranges.items()}
    points1 = _matrix(table.get("step1_points", []), 3, "step1_points", where)
    points2 = _matrix(table.get("step2_points", []), 2, "step2_points", where)
    if any(not (n > 0 and d > 0 and loss > 0) for n, d, loss in points1):
        raise PresetError(f"'step1_points' must be rows of [N, D, task loss], each > 0, in {where}")
    names, samples, uncertainty = _task_uncertainty(table, family, name, source)
    fit = {}
    if "fit" in table:
        ftable = _typed(table["fit"], dict, "fit", where)
        _keys(ftable, _TASK_FIT_KEYS, f"fit of {name}", source)
        fit = {key: _typed(value, _TASK_FIT_KEYS[key], key, f"fit of {name} of {source}") for key, value in ftable.items()}
        fit["warnings"] = tuple(_typed(w, str, "warnings", f"fit of {name} of {source}") for w in fit.get("warnings", []))
    notes = tuple(_typed(n, str, "notes", where) for n in _typed(table.get("notes", []), list, "notes", where))
    return TaskLaw(id=task_id, metric=metric, chance=chance, loss_law=loss_law, accuracy_law=accuracy_law,
                   name=_typed(table.get("name", ""), str, "name", where),
                   task_loss_unit=_typed(table.get("task_loss", ""), str, "task_loss", where),
                   fitted_range=MappingProxyType(fitted_range), sample_names=names, samples=samples,
                   uncertainty=MappingProxyType(uncertainty), step1_points=points1, step2_points=points2, notes=notes,
                   fit=MappingProxyType(fit))


def _check_step2(form: str, values: Mapping[str, float], where: str) -> None:
    """Step 2's coefficients in their ranges: a sigmoid falls from b ≤ 1 to a + b (a ∈ [−1, 0), k > 0); an
    exponential error rises to ε ∈ (0, 1] (k, γ > 0)."""
    limits = {"sigmoid": {"a": (-1.0, 0.0, "from -1 to below 0"), "b": (0.0, 1.0, "above 0 and at most 1"),
                          "k": (0.0, math.inf, "> 0")},
              "exponential": {"epsilon": (0.0, 1.0, "above 0 and at most 1"), "k": (0.0, math.inf, "> 0"),
                              "gamma": (0.0, math.inf, "> 0")}}[form]
    for key, (lo, hi, text) in limits.items():
        x = values[key]
        ok = (lo <= x < hi) if key == "a" else (lo < x <= hi) if hi == 1.0 else (x > lo)
        if not ok:
            raise PresetError(f"{key!r} must be {text} (got {x:g}) in {where}")


def _task_uncertainty(table, family, name: str, source: str):
    """(sample_names, samples, the other keys) of a task's ``uncertainty`` table: bootstrap refits of both steps."""
    from ..laws.tasks import STEP1_NAMES

    if "uncertainty" not in table:
        return (), (), {}
    where = f"uncertainty of {name} of {source}"
    unc = _typed(table["uncertainty"], dict, "uncertainty", f"{name} of {source}")
    _keys(unc, _TASK_UNCERTAINTY_KEYS, f"uncertainty of {name}", source)
    out: dict[str, Any] = {}
    if "method" in unc:
        out["method"] = _typed(unc["method"], str, "method", where)
    for key in ("n_resamples", "n_failed", "seed"):
        if key in unc:
            out[key] = _typed(unc[key], int, key, where)
    if "samples" not in unc:
        if "sample_names" in unc:
            raise PresetError(f"'sample_names' needs 'samples' in {where}")
        return (), (), out
    allowed = STEP1_NAMES + family.coefficient_names
    names = tuple(_typed(unc.get("sample_names", list(allowed)), list, "sample_names", where))
    if not names or len(set(names)) != len(names) or any(not isinstance(n, str) or n not in allowed for n in names):
        raise PresetError(f"'sample_names' must name distinct coefficients of the two steps ({', '.join(allowed)}); "
                          f"got {_short(list(names))} in {where}")
    rows = _matrix(unc["samples"], len(names), "samples", where)
    if len(rows) < 2:
        raise PresetError(f"'samples' must be at least 2 rows of {len(names)} numbers ({', '.join(names)}) in {where}")
    return names, rows, out


# ---------------------------------------------------------------------------------------------------------------------
# writing


def _str(s: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML escapes)."""
    import json

    return json.dumps(s, ensure_ascii=False)


def _num(x: float, digits: int = 17) -> str:
    """A TOML float: ``repr``-exact by default; never ``nan``/``inf`` (callers filter them)."""
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"cannot write {x!r} to a law file")
    text = repr(x) if digits >= 17 else f"{x:.{digits}g}"
    if not any(c in text for c in ".eE"):
        text += ".0"
    return text


def _inline(mapping: Mapping, fmt=_num) -> str:
    return "{ " + ", ".join(f"{k} = {fmt(v)}" for k, v in mapping.items()) + " }"


def _pair(lo_hi) -> str:
    return f"[{_num(lo_hi[0])}, {_num(lo_hi[1])}]"


def _finite(mapping) -> dict:
    return {k: v for k, v in mapping.items() if v is not None and math.isfinite(v)}


def law_file_text(fit: FitResult, boot: BootstrapResult | None = None, *, law_id: str = "fitted", title: str | None = None, source: str = "runs",
                  command: str = "", notes: Iterable[str] = ()) -> str:
    """The TOML text of a law file for ``fit`` (a :class:`~planner.fitting.FitResult`).

    boot : an optional :class:`~planner.fitting.BootstrapResult` whose samples and intervals go in
        ``[uncertainty]``.
    law_id, title : the law's id and title.  source : the runs' source, for the citation.
    command : the command that made it, recorded in ``[citation] where``.
    """
    import datetime

    from .. import __version__

    form = fit.form
    title = title or f"{form.capitalize()} law fitted to {source}"
    k = fit.flops_per_param_token
    lines = [
        f"# Written by plan fit (planner {__version__}) from {fit.n_runs} runs in {source}.",
        f"id = {_str(law_id)}",
        f"title = {_str(title)}",
        f"form = {_str(form)}",
        "notes = [",
        f"  {_str(f'Fitted by planner to {fit.n_runs} runs from {source}: {fit.method}.')},",
        f"  {_str('Loss is on the data set of those runs; it is indicative only and not comparable with other laws.')},",
    ]
    made = [f"Tied in the fit: {t.replace('=', ' = ')}." for t in fit.extra.get("tied", ())]
    made += [f"Fixed in the fit (not fitted): {n} = {v:g}." for n, v in fit.extra.get("fixed", {}).items()]
    lines += [f"  {_str(n)}," for n in made + list(notes) + [f"Fit warning: {w}" for w in fit.warnings]]
    lines += [
        "]",
        "",
        "[citation]",
        f"authors = {_str('planner fit')}",
        f"year = {datetime.date.today().year}",
        f"title = {_str(f'Fit to {source}')}",
        f"where = {_str(command or 'plan fit')}",
        "",
        "[conventions]",
        f"parameters = {_str('as-reported')}   # as counted in the runs file",
        f"flops_per_param_token = {_num(k)}",
        f"dataset = {_str(f'the training data of the runs in {source}')}",
        "",
    ]
    if form == "allocation":
        lines += ["[rule]", f"gives = {_str(fit.extra['model_kwargs']['gives'])}", ""]
    lines += ["[coefficients]"] + [f"{name} = {_num(v)}" for name, v in fit.coefficients.items()] + [""]
    rng = fit.data_range
    lines += ["[fitted_range]", "# Ranges of the runs the law was fitted on."]
    lines += [f"{key} = {_pair(rng[key])}" for key in _RANGE_KEYS if key in rng] + [""]
    lines += [
        "[fit]",
        f"source = {_str(source)}",
        f"method = {_str(fit.method)}",
        f"n_runs = {fit.n_runs}",
        f"n_starts = {fit.n_starts}",
        f"objective = {_num(fit.objective)}",
        f"converged = {'true' if fit.converged else 'false'}",
    ]
    if "objective_function" in fit.extra:
        lines.append(f"objective_function = {_str(fit.extra['objective_function'])}")
    if "huber_delta" in fit.extra:
        lines.append(f"huber_delta = {_num(fit.extra['huber_delta'])}")
    if fit.extra.get("tied"):
        lines.append("tied = [" + ", ".join(_str(t) for t in fit.extra["tied"]) + "]")
    if fit.extra.get("fixed"):
        lines.append(f"fixed = {_inline(fit.extra['fixed'])}")
    lines += [f"{key}_range = {_pair(rng[key])}" for key in _RANGE_KEYS if key in rng]
    lines.append(f"residuals = {_inline(_finite(fit.residuals))}")
    # The errors the report showed: the bootstrap's when there is one (as [uncertainty] below), else the fit's own.
    ses, se_method = ((boot.standard_errors, f"bootstrap: {boot.method}") if boot is not None
                      else (fit.standard_errors, fit.standard_error_method))
    lines.append(f"standard_errors = {_inline(_finite(ses))}")
    lines.append(f"standard_error_method = {_str(se_method)}")
    lines.append("")
    if boot is not None:
        level = boot.level
        lines += [
            "[uncertainty]",
            f"# {boot.method}.",
            f"method = {_str('bootstrap')}",
            f"n_resamples = {boot.n_resamples}",
            f"n_failed = {boot.n_failed}",
            f"seed = {boot.seed if boot.seed is not None else -1}",
            f"standard_errors = {_inline(_finite(boot.standard_errors))}",
            f"interval_level = {_num(level) if level != int(level) else int(level)}",
            "intervals = { " + ", ".join(f"{n} = {_pair(v)}" for n, v in boot.intervals.items()) + " }",
            "sample_names = [" + ", ".join(_str(n) for n in boot.names) + "]",
            "samples = [",
        ]
        lines += ["  [" + ", ".join(_num(v, 10) for v in row) + "]," for row in boot.samples]
        lines += ["]", ""]
    return "\n".join(lines)


def law_from_fit(fit: FitResult, boot: BootstrapResult | None = None, **kwargs: str) -> Law:
    """The :class:`~planner.laws.Law` that :func:`law_file_text` writes for ``fit``, read back: what ``plan --law``
    would plan with (its bootstrap samples become its ``[uncertainty]``)."""
    source = kwargs.get("source", "runs")
    return parse_law_text(law_file_text(fit, boot, **kwargs), f"the fit to {source}")


def _value(x) -> str:
    """A TOML value for a string, integer, float or list of them."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return _num(x)
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in x) + "]"
    return _str(str(x))


def _rows(key: str, rows, digits: int) -> list[str]:
    return [f"{key} = ["] + ["  [" + ", ".join(_num(v, digits) for v in row) + "]," for row in rows] + ["]"]


def task_law_file_text(laws: TaskLaws, comment: Iterable[str] = (), sample_digits: int = 8) -> str:
    """The TOML text of a task-law file for ``laws`` (a :class:`~planner.laws.tasks.TaskLaws`); it reads back with
    :func:`parse_task_law_text` to the same tasks (bootstrap samples to ``sample_digits`` significant figures)."""
    lines = [f"# {c}" for c in comment]
    lines += [f"id = {_str(laws.id)}", f"title = {_str(laws.title)}", 'form = "tasks"']
    if laws.aliases:
        lines.append(f"aliases = {_value(list(laws.aliases))}")
    lines += ["notes = ["] + [f"  {_str(n)}," for n in laws.notes] + ["]", "", "[citation]"]
    lines += [f"{key} = {_value(value)}" for key, value in laws.citation.items()]
    lines += ["", "[conventions]", f"parameters = {_str(laws.parameters)}",
              f"flops_per_param_token = {_num(laws.flops_per_param_token)}"]
    if laws.dataset:
        lines.append(f"dataset = {_str(laws.dataset)}")
    if laws.fit:
        lines += ["", "[fit]"] + [f"{key} = {_value(value)}" for key, value in laws.fit.items()]
    for task in laws.tasks:
        lines += ["", f"[tasks.{task.id}]"]
        if task.name:
            lines.append(f"name = {_str(task.name)}")
        lines += [f"metric = {_str(task.metric)}", f"chance = {_num(task.chance)}"]
        if task.task_loss_unit:
            lines.append(f"task_loss = {_str(task.task_loss_unit)}")
        if task.notes:
            lines += ["notes = ["] + [f"  {_str(n)}," for n in task.notes] + ["]"]
        step1 = {n: getattr(task.loss_law, n) for n in task.loss_law.coefficient_names}
        step2 = {n: getattr(task.accuracy_law, n) for n in task.accuracy_law.coefficient_names}
        lines.append(f"step1 = {_inline(step1)}")
        lines.append(f"step2 = {{ form = {_str(task.accuracy_law.form)}, " + _inline(step2)[2:])
        if task.fitted_range:
            lines.append("fitted_range = { " + ", ".join(f"{k} = {_pair(v)}" for k, v in task.fitted_range.items())
                         + " }")
        if task.step1_points:
            lines += _rows("step1_points", task.step1_points, 10)
        if task.step2_points:
            lines += _rows("step2_points", task.step2_points, 10)
        if task.fit:
            lines += ["", f"[tasks.{task.id}.fit]"]
            lines += [f"{key} = {_value(list(v) if key == 'warnings' else v)}" for key, v in task.fit.items()]
        if task.uncertainty or task.samples:
            lines += ["", f"[tasks.{task.id}.uncertainty]"]
            lines += [f"{key} = {_value(value)}" for key, value in task.uncertainty.items()]
            if task.samples:
                lines.append(f"sample_names = {_value(list(task.sample_names))}")
                lines += _rows("samples", task.samples, sample_digits)
    return "\n".join(lines) + "\n"
