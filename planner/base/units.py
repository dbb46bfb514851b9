"""Quantities in and out: ``"7B"``, ``"1e21"``, ``"2T"`` in; ``2.78B``, ``1.00e21`` out.

The one home of number parsing and formatting: every human format (tables, markdown, LaTeX, figure ticks) formats
its numbers with these functions. Parsing and formatting only; no numpy, no I/O.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Iterable, Union, overload

from .errors import NumericError, QuantityError

if TYPE_CHECKING:
    import numpy

__all__ = ["Real", "parse_quantity", "check_positive", "check_finite", "format_count", "format_flops", "format_loss",
           "format_loss4", "format_factor", "format_general", "format_ratio", "format_sig", "format_gap",
           "format_percent", "format_dollars",
           "format_tflops", "format_coefficient", "format_integer", "format_fixed", "format_flops_tex", "format_text", "format_tick", "as_floats", "SUFFIXES"]

#: A number planner computes with: a float, or a numpy array of them (every law broadcasts).
Real = Union[float, "numpy.ndarray"]

#: SI-style suffixes people use for parameter and token counts (case-insensitive).
SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}

#: The magnitudes a quantity typed on the command line may have. Beyond them the closed forms under- or overflow
#: (a budget of 5e-324 FLOPs divided by 6 is 0); no real budget, model, data set or price comes near either end.
QUANTITY_RANGE = (1e-300, 1e300)

#: A decimal number (underscores only between digits, as Python writes 1_000) and an optional suffix. Compiled on
#: first use (:func:`re.match` keeps it): a plain number (``1e21``) is read without it, which spares ``plan --flops
#: 1e21`` the compilation (bench/bench_cli.py).
_QUANTITY = (r"^\s*([+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?)"
             r"\s*([a-zA-Z]?)\s*$")

#: The characters of a plain number. On these alone, float() reads exactly the numbers ``_QUANTITY`` takes without
#: underscores or a suffix: a sign, digits with at most one point, an exponent (no letters: no "inf", no "nan").
_PLAIN = frozenset("0123456789.eE+-")


def parse_quantity(text: str | float, name: str = "") -> float:
    """Parse ``"1e21"``, ``"3.8e+25"``, ``"7B"``, ``"2T"``, ``"500M"`` into a positive finite float
    within ``QUANTITY_RANGE``.

    ``name`` is how the value is called in an error message (``"flops"``).
    Raises :class:`QuantityError` for anything that is not a finite number > 0.

    >>> parse_quantity("7B"), parse_quantity("1.5e24"), parse_quantity("2T")
    (7000000000.0, 1.5e+24, 2000000000000.0)
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(check_positive(float(text), name))
    plain = str(text).strip()
    if plain and _PLAIN.issuperset(plain):
        try:
            value = float(plain)
        except ValueError:   # "1e", "+-1": not a number, which the pattern below refuses in its words
            pass
        else:
            return _in_range(check_positive(value, name, shown=text), text, name)
    m = re.match(_QUANTITY, str(text))
    if not m or (m.group(2) and m.group(2).lower() not in SUFFIXES):
        raise QuantityError(
            f"expected a number like 1e21, 1.5e24 or 7B (suffixes K, M, B, T, P){_for(name)}; got {str(text)!r}"
        )
    value = float(m.group(1).replace("_", ""))
    if m.group(2):
        value *= SUFFIXES[m.group(2).lower()]
    return _in_range(check_positive(value, name, shown=text), text, name)


def _in_range(value: float, text: object, name: str) -> float:
    """``value`` (read from ``text``), if it lies within ``QUANTITY_RANGE``."""
    lo, hi = QUANTITY_RANGE
    if not lo <= value <= hi:
        raise QuantityError(f"expected a number from {lo:g} to {hi:g}{_for(name)}; got {str(text)!r}, "
                            "too extreme to compute with")
    return value


def _for(name: str) -> str:
    return f" for {name}" if name else ""


@overload
def check_positive(value: float, name: str = "", shown: object = None) -> float: ...
@overload
def check_positive(value: "numpy.ndarray", name: str = "", shown: object = None) -> "numpy.ndarray": ...
@overload
def check_positive(value: Real, name: str = "", shown: object = None) -> Real: ...


def check_positive(value: Real, name: str = "", shown: object = None) -> Real:
    """Return ``value`` if it is finite and > 0 everywhere (float or array), else raise QuantityError."""
    if isinstance(value, (int, float)):
        if not (math.isfinite(value) and value > 0):
            got = shown if shown is not None else value
            raise QuantityError(f"expected a finite number > 0{_for(name)}; got {got!r}")
        return value
    # arrays only: plan --flops checks floats without numpy
    import numpy as np

    arr = np.asarray(value, dtype=float)
    bad = ~(np.isfinite(arr) & (arr > 0))
    if bad.any():
        first = float(arr[bad].flat[0])
        raise QuantityError(
            f"expected finite numbers > 0{_for(name)}; {int(bad.sum())} of {arr.size} are not (first: {first!r})"
        )
    return arr


def check_finite(value: float, what: str, inputs: str) -> float:
    """Return ``value`` if it is a finite number, else raise the one NumericError that names what overflowed and the
    inputs that made it: the check every result that can leave the floats gets where it is computed (a product like
    2·N_T·D_S of two quantities each within :data:`QUANTITY_RANGE` can reach inf), so that no inf is ever printed.

    >>> check_finite(2.0 * 1e300 * 1e12, "the teacher's logit FLOPs 2·N_T·D_S", "teacher params 1e300 and student "
    ...              "tokens 1e12")
    Traceback (most recent call last):
    planner.base.errors.NumericError: the teacher's logit FLOPs 2·N_T·D_S is not a finite number (inf): with teacher params 1e300 and student tokens 1e12 it passes the largest float (1.8e308); give smaller values
    """
    x = float(value)
    if not math.isfinite(x):
        raise NumericError(f"{what} is not a finite number ({x:g}): with {inputs} it passes the largest float "
                           "(1.8e308); give smaller values")
    return x


#: Output suffixes, largest first (the input SUFFIXES read as well "G" for 1e9).
_PREFIXES = ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))


def format_count(x: float | None, digits: int = 3) -> str:
    """``2780000000.0`` → ``'2.78B'``: ``digits`` significant figures and an SI-style suffix.

    >>> format_count(2.78e9), format_count(999.96e6), format_count(1.67e21)
    ('2.78B', '1.00B', '1.67e21')
    """
    if x is None or not math.isfinite(x):
        return "—" if x is None else str(x)
    rounded = abs(float(f"{x:.{digits}g}"))  # round first so 999.96M becomes 1.00B, not 1000M
    if rounded >= 1e18:  # past the largest suffix: 1.67e21, not 1670000P
        return format_flops(x, digits)
    for scale, suffix in _PREFIXES:
        if rounded >= scale:
            return format_sig(x / scale, digits) + suffix
    return format_sig(x, digits)


def format_sig(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant figures, keeping trailing zeros (``60.0``, ``2.50``).

    Very small or very large magnitudes switch to ``1.23e-7`` notation; None is an em dash and
    a non-finite value prints as Python spells it (``inf``), so no input raises.
    """
    if x is None:
        return "—"
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    rounded = abs(float(f"{x:.{digits}g}"))
    if rounded < 1e-4 or rounded >= 1e6:
        return format_flops(x, digits)
    decimals = max(digits - 1 - math.floor(math.log10(rounded)), 0)
    return f"{x:.{decimals}f}"


def format_flops(x: float | None, digits: int = 3) -> str:
    """``1e21`` → ``'1.00e21'``."""
    if x is None or not math.isfinite(x):
        return "—" if x is None else str(x)
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_loss(x: float | None) -> str:
    """A loss in nats/token with three decimals, or an em dash where the law has none."""
    if x is None:
        return "—"
    return f"{x:.3f}" if abs(x) < 1e6 else format_sig(x, 4)  # a loss of 1e6 nats is far outside any law


def format_ratio(x: float | None, digits: int = 3) -> str:
    """A dimensionless ratio (tokens per parameter) with ``digits`` significant figures."""
    if x is None or not math.isfinite(x):
        return "—" if x is None else str(x)
    return format_sig(x, digits) if x >= 1 else f"{x:.{digits}g}"


def format_factor(x: float, sign: str = "×") -> str:
    """How many times: ``126×``, ``8344×``, and past a million ``5.09e159×`` (never a 160-digit integer); with
    ``sign`` ``"x"`` as plain-text warnings write it.

    >>> format_factor(126.4), format_factor(8344.2), format_factor(5.09e159, "x")
    ('126×', '8344×', '5.09e159x')
    """
    return format_sig(x, 3) + sign


def format_general(x: float | None, digits: int = 6) -> str:
    """``x`` to ``digits`` significant figures without padding zeros (``1.8172``, ``482.01``, ``6.4e+13``)."""
    return "—" if x is None else f"{x:.{digits}g}"


def format_loss4(x: float | None) -> str:
    """A loss with four decimals (losses of constrained plans differ in the fourth); an em dash for None."""
    return "—" if x is None else f"{x:.4f}"


def format_gap(x: float | None) -> str:
    """A loss gap in nats/token, three significant figures (``0.0269``; ``0`` at the optimum)."""
    return "—" if x is None else "0" if x == 0 else format_sig(x, 3)


def format_percent(x: float | None) -> str:
    """A fraction as a percentage with three significant figures (``74.0%``, ``100%``)."""
    return "—" if x is None else format_sig(100.0 * x, 3) + "%"


def format_dollars(x: float | None) -> str:
    """``$645K``: dollars with an SI-style suffix."""
    return "—" if x is None else "$" + format_count(x)


def format_tflops(x: float) -> str:
    """A peak throughput in FLOP/s as TFLOP/s: ``989.4``."""
    return f"{x / 1e12:g}"


def format_coefficient(name: str, x: float | None) -> str:
    """A fitted coefficient: scales (A, B, N_c, D_c, an allocation coefficient) to 5 significant figures, other
    coefficients (exponents, E) to 4; an em dash where there is none."""
    if x is None or not math.isfinite(x):
        return "—"
    if name in ("A", "B", "N_c", "D_c", "coefficient"):
        return f"{x:.5g}" if abs(x) < 1e6 else f"{x:.4e}"
    return f"{x:.4g}"


def format_integer(x: int | None) -> str:
    """``8,192``: an integer with thousands separators."""
    return "—" if x is None else f"{x:,}"


def format_fixed(x: float | None, decimals: int = 2) -> str:
    """``x`` with a fixed number of decimals (``1.04``; ``64`` with none)."""
    return "—" if x is None else f"{x:.{decimals}f}"


def format_flops_tex(x: float) -> str:
    """A budget as TeX math for figure labels: ``$10^{21}$``, ``$3.8\\times10^{25}$``."""
    e = math.floor(math.log10(x))
    m = x / 10**e
    return f"$10^{{{e}}}$" if abs(m - 1) < 1e-9 else f"${m:.3g}\\times10^{{{e}}}$"


def format_text(x: object) -> str:
    """A text cell: the value as a string, an em dash for None."""
    return "—" if x is None else str(x)


def format_tick(value: float, _pos: object = None) -> str:
    """An axis tick for a count: 1e9 → ``1B``, 3e10 → ``30B``, 0.5 → ``0.5`` (no padding digits)."""
    if value <= 0:
        return ""
    for scale, suffix in _PREFIXES:
        if value >= scale:
            return f"{value / scale:g}{suffix}"
    return f"{value:g}"


def as_floats(x: object) -> list[float]:
    """A float, an array (any shape, flattened) or an iterable as a list of floats; None as no values."""
    if x is None:
        return []
    if isinstance(x, (int, float)):
        return [float(x)]
    values: Iterable[Any] = x.ravel() if hasattr(x, "ravel") else x  # type: ignore[assignment]
    return [float(v) for v in values]
