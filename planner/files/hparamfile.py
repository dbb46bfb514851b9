"""The hyperparameter-law file format: reading, validating and writing ``form = "hparams"`` files.

A hyperparameter-law file is TOML that describes itself (see ``presets/hparams/*.toml``)::

    id = "steplaw2025"; title = "..."; form = "hparams"; aliases = [...]; notes = [...]
    regime = "..."                       # the runs it was fitted on, and the horizon it was tuned at
    [citation]      authors, year, title (required); arxiv, where, url
    [conventions]   parameters ("non-embedding" / "total"), flops_per_param_token, dataset
    [batch]         units ("tokens", "sequences"), sequence_length (the length the source's sequences had)
    [learning_rate] coefficient = k, exponents = { n_params = a, tokens = b, flops = c }, reference = { n_params = N0 }
    [batch_tokens]  the same, for the batch size in tokens
    [warmup]        one of tokens_per_param, steps, fraction
    [fitted_range]  n_params / n_tokens / flops = [low, high]
    [uncertainty]   method, level (0.90: the 5–95% band), learning_rate = [[k, a, b], ...],
                    batch_tokens = [[k, d], ...] (bootstrap rows: coefficient, then the exponents in order)
    [fit]           how ``plan fit-hparams`` made the file

Every table is validated when the file is read, each error one line naming the key, its table and the file. The
shared checks (types, ranges, the header every law file has) are :mod:`planner.files.lawfile`'s.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from ..base.errors import PresetError
from ..laws.hparams import VARIABLES, HparamLaw, PowerTerm, Warmup
from .tomlfile import check_keys, check_kind, header, matrix, number, parse_toml, range_pair, read_toml_text, short, subtable, typed
from .tomlwriter import inline_table, toml_float, toml_pair, toml_string

__all__ = ["hparam_law_from_mapping", "parse_hparam_law_text", "load_hparam_law_file", "hparam_law_file_text"]

_TOP_KEYS = ("id", "title", "form", "aliases", "notes", "regime", "citation", "conventions", "batch",
             "learning_rate", "batch_tokens", "warmup", "fitted_range", "uncertainty", "fit")
_TERM_KEYS = ("coefficient", "exponents", "reference")
_WARMUP_KEYS = ("tokens_per_param", "steps", "fraction")
_UNCERTAINTY_KEYS = ("method", "level", "learning_rate", "batch_tokens", "n_resamples", "seed")
_FIT_KEYS = ("source", "n_runs", "n_optima", "near_optimal", "method")
_EXAMPLE = ("hparams", "--list")


def load_hparam_law_file(path: str) -> HparamLaw:
    """Read and validate a hyperparameter-law file from disk."""
    return parse_hparam_law_text(read_toml_text(path, "hyperparameter-law file", _EXAMPLE), str(path))


def parse_hparam_law_text(text: str, source: str) -> HparamLaw:
    return hparam_law_from_mapping(parse_toml(text, source, "a hyperparameter-law file"), source)


def hparam_law_from_mapping(data: Mapping[str, Any], source: str = "<mapping>") -> HparamLaw:
    """Validate a parsed hyperparameter-law file and build the :class:`~planner.laws.hparams.HparamLaw`."""
    where = source
    check_kind(data, "hparam_law", where)
    if data.get("form") != "hparams":
        raise PresetError(f"{where} is not a hyperparameter-law file: 'form' must be 'hparams' (got "
                          f"{short(data.get('form'))})")
    head = header(data, where, _TOP_KEYS, ("id", "title", "form", "citation", "learning_rate", "batch_tokens"),
                  kind="hparam_law")
    regime = typed(data.get("regime", ""), str, "regime", where)

    batch = subtable(data, "batch", where)
    check_keys(batch, ("units", "sequence_length"), "[batch]", where)
    units = typed(batch.get("units", "tokens"), str, "units", f"[batch] of {where}")
    length = None
    if "sequence_length" in batch:
        length = typed(batch["sequence_length"], int, "sequence_length", f"[batch] of {where}")
        if length <= 0:
            raise PresetError(f"'sequence_length' must be > 0 (got {length}) in [batch] of {where}")

    lr = _term(data, "learning_rate", where)
    bt = _term(data, "batch_tokens", where)
    warmup = _warmup(data, where) if "warmup" in data else None

    fitted_range = {}
    table = subtable(data, "fitted_range", where)
    check_keys(table, ("n_params", "n_tokens", "flops"), "[fitted_range]", where)
    for key, value in table.items():
        fitted_range[key] = range_pair(value, key, f"[fitted_range] of {where}")

    samples, level, unc = (), 0.90, subtable(data, "uncertainty", where)
    if unc:
        samples, level = _uncertainty(unc, lr, bt, where)
    fit = subtable(data, "fit", where)
    check_keys(fit, _FIT_KEYS, "[fit]", where)

    return HparamLaw(
        id=head["id"], title=head["title"], learning_rate=lr, batch_tokens=bt,
        citation=MappingProxyType(head["citation"]), parameters=head["conventions"].get("parameters", "total"),
        batch_units=units, sequence_length=length, regime=regime, flops_per_param_token=head["k"],
        aliases=head["aliases"], notes=head["notes"], warmup=warmup, samples=samples, level=level,
        fitted_range=MappingProxyType(fitted_range), fit=MappingProxyType(fit), source=source)


def _term(data, name: str, source: str) -> PowerTerm:
    where = f"[{name}] of {source}"
    table = typed(data[name], dict, name, source)
    check_keys(table, _TERM_KEYS, f"[{name}]", source)
    if "coefficient" not in table or "exponents" not in table:
        raise PresetError(f"[{name}] needs 'coefficient' and 'exponents' (e.g. exponents = {{ n_params = -0.7, "
                          f"tokens = 0.3 }}) in {source}")
    k = number(table["coefficient"], "coefficient", where, positive=True)
    exponents = typed(table["exponents"], dict, "exponents", where)
    reference = typed(table.get("reference", {}), dict, "reference", where)
    for mapping, key in ((exponents, "exponents"), (reference, "reference")):
        check_keys(mapping, VARIABLES, f"{key} of [{name}]", source)
    if not exponents:
        raise PresetError(f"'exponents' must name at least one of {', '.join(VARIABLES)} in {where}")
    return PowerTerm(k, {v: number(e, f"exponents.{v}", where) for v, e in exponents.items()},
                     {v: number(x, f"reference.{v}", where, positive=True) for v, x in reference.items()})


def _warmup(data, source: str) -> Warmup:
    where = f"[warmup] of {source}"
    table = typed(data["warmup"], dict, "warmup", source)
    check_keys(table, _WARMUP_KEYS, "[warmup]", source)
    if len(table) != 1:
        raise PresetError(f"[warmup] must give exactly one of {', '.join(_WARMUP_KEYS)} in {source}")
    (key, value), = table.items()
    x = number(value, key, where, positive=True)
    if key == "fraction" and x >= 1:
        raise PresetError(f"'fraction' must be < 1 (got {x:g}) in {where}")
    return Warmup(**{key: x})


def _uncertainty(unc, lr: PowerTerm, bt: PowerTerm, source: str):
    where = f"[uncertainty] of {source}"
    check_keys(unc, _UNCERTAINTY_KEYS, "[uncertainty]", source)
    level = number(unc.get("level", 0.90), "level", where)
    if not 0 < level < 1:
        raise PresetError(f"'level' must be between 0 and 1 (got {level:g}; 0.90 is the 5–95% band) in {where}")
    parts = []
    for name, term in (("learning_rate", lr), ("batch_tokens", bt)):
        if name not in unc:
            raise PresetError(f"missing key {name!r} in {where} (rows of coefficient, "
                              f"{', '.join(term.exponents)})")
        rows = matrix(unc[name], 1 + len(term.exponents), name, where)
        if any(r[0] <= 0 for r in rows):
            raise PresetError(f"every sampled coefficient of {name!r} must be > 0 in {where}")
        parts.append(rows)
    if len(parts[0]) != len(parts[1]) or len(parts[0]) < 2:
        raise PresetError(f"'learning_rate' and 'batch_tokens' must have the same number of sample rows, at least "
                          f"2, in {where}")
    return tuple(a + b for a, b in zip(*parts)), level


# ---------------------------------------------------------------------------------------------------------------------
# writing


def _fit_value(v: Any) -> str:
    return toml_string(v) if isinstance(v, str) else toml_float(v) if isinstance(v, float) else str(v)


def _term_text(name: str, term: PowerTerm) -> list[str]:
    lines = [f"[{name}]", f"coefficient = {toml_float(term.coefficient)}",
             f"exponents = {inline_table(term.exponents)}"]
    if term.reference:
        lines.append(f"reference = {inline_table(term.reference)}")
    return lines + [""]


def hparam_law_file_text(law: HparamLaw, comment: tuple[str, ...] = ()) -> str:
    """``law`` as a hyperparameter-law file; it reads back with :func:`parse_hparam_law_text` to the same law."""
    out = [f"# {line}" for line in comment]
    out += [f"id = {toml_string(law.id)}", f"title = {toml_string(law.title)}", 'form = "hparams"']
    if law.aliases:
        out.append(f"aliases = [{', '.join(toml_string(a) for a in law.aliases)}]")
    if law.notes:
        out.append("notes = [" + ", ".join(toml_string(n) for n in law.notes) + "]")
    if law.regime:
        out.append(f"regime = {toml_string(law.regime)}")
    out += ["", "[citation]"] + [f"{k} = {v if isinstance(v, int) else toml_string(str(v))}"
                                 for k, v in law.citation.items()]
    out += ["", "[conventions]", f"parameters = {toml_string(law.parameters)}",
            f"flops_per_param_token = {toml_float(law.flops_per_param_token)}", "", "[batch]",
            f"units = {toml_string(law.batch_units)}"]
    if law.sequence_length:
        out.append(f"sequence_length = {law.sequence_length}")
    out += [""] + _term_text("learning_rate", law.learning_rate) + _term_text("batch_tokens", law.batch_tokens)
    if law.warmup is not None:
        key, value = next((k, v) for k, v in vars(law.warmup).items() if v is not None)
        out += ["[warmup]", f"{key} = {toml_float(value)}", ""]
    if law.fitted_range:
        out += ["[fitted_range]"] + [f"{k} = {toml_pair(v)}" for k, v in law.fitted_range.items()] + [""]
    if law.fit:
        out += ["[fit]"] + [f"{k} = {_fit_value(v)}" for k, v in law.fit.items()] + [""]
    if law.samples:
        n = 1 + len(law.learning_rate.exponents)
        out += ["[uncertainty]", 'method = "bootstrap"', f"level = {toml_float(law.level)}"]
        for name, cols in (("learning_rate", slice(0, n)), ("batch_tokens", slice(n, None))):
            out.append(f"{name} = [")
            out += [f"  [{', '.join(toml_float(x, 10) for x in row[cols])}]," for row in law.samples]
            out.append("]")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
