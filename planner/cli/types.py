"""The click parameter types and the option decorator every ``plan`` command uses: the seam where each value enters
and is checked (a quantity like 7B, a finite number in a range, a loss, an accuracy, NAME=VALUE pairs)."""

from __future__ import annotations

import math
from typing import Callable

import click

from ..base.conventions import MIN_BOOTSTRAP_RESAMPLES
from ..base.errors import PlannerError
from ..base.units import parse_quantity

__all__ = ["Once", "with_options", "option", "Text", "TEXT", "Resamples", "note_warning", "noted_warnings", "Quantity", "QUANTITY", "QUANTITY_OR_ZERO", "Number", "LEVEL", "MFU",
           "Loss", "LOSS", "Accuracy", "ACCURACY", "parse_pairs"]


class Once(click.Option):
    """A single-valued option that refuses to be given twice: click would keep the last value silently
    (``--params 7B --params 8B`` planned 8B); and an option that ``needs`` another (the parameter names of which
    any one makes it mean something) refuses to be given without it, where it would be ignored silently
    (``plan fit --isoflop-window 3`` without ``--isoflop``)."""

    def __init__(self, *decls, needs: tuple[str, ...] = (), **attrs):
        super().__init__(*decls, **attrs)
        self.needs = tuple(needs)

    def handle_parse_result(self, ctx, opts, args):
        result = super().handle_parse_result(ctx, opts, args)   # a bad value is named first
        if self.needs and self.name in opts and not any(opts.get(name) for name in self.needs):
            flags = {p.name: max(p.opts, key=len) for p in ctx.command.params}
            wanted = " or ".join(flags.get(name, name) for name in self.needs)
            raise click.UsageError(f"{max(self.opts, key=len)} only applies with {wanted}: add it, or drop "
                                   f"{max(self.opts, key=len)}", ctx=ctx)
        return result

    def add_to_parser(self, parser, ctx) -> None:
        if self.multiple or self.count or self.is_flag:
            return super().add_to_parser(parser, ctx)
        parser.add_option(obj=self, opts=self.opts, dest=self.name, action="append", nargs=self.nargs)

    def consume_value(self, ctx, opts):
        value = opts.get(self.name)
        if isinstance(value, list) and not (self.multiple or self.count or self.is_flag):
            if len(value) > 1:
                shown = ", ".join(" ".join(v) if isinstance(v, (tuple, list)) else str(v) for v in value)
                raise click.BadParameter(f"given {len(value)} times ({shown}); give it once", ctx=ctx, param=self)
            opts = {**opts, self.name: value[0]}
        return super().consume_value(ctx, opts)


def with_options(f, options):
    """``f`` decorated with each of ``options``, in the order given (as they show in --help)."""
    for decorator in reversed(options):
        f = decorator(f)
    return f


def option(*decls, **attrs):
    """``click.option`` whose single-valued options refuse to be repeated (:class:`Once`), and whose text options
    refuse an empty value (:data:`TEXT`): every option of planner's commands is declared with it. ``needs=("name",
    ...)``: the option means something only with one of these parameters, and is refused without them."""
    attrs.setdefault("cls", Once)
    if "type" not in attrs and not attrs.get("is_flag") and not attrs.get("count") \
            and not isinstance(attrs.get("default"), (bool, int, float)):
        attrs["type"] = TEXT
    return click.option(*decls, **attrs)


class Text(click.ParamType):
    """Text that is not empty (nor blanks): ``--tasks ""`` would otherwise be taken for no option at all and the
    command answer another question without a word. ``what``: what to give instead (else the option's metavar)."""

    name = "text"

    def __init__(self, what: str | Callable[[], str] = ""):
        self.what = what

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value.strip():
            what = (self.what() if callable(self.what) else self.what) or \
                (param.metavar if param is not None and param.metavar else "a value")
            self.fail(f"is empty; give {what}", param, ctx)
        return value


#: Any text option's type (:func:`option`): not empty.
TEXT = Text()


_NOTED = "planner.warnings"  # key of ctx.meta: warnings an option's value raised, for the report


def note_warning(ctx, message: str) -> None:
    """Keep ``message`` for the report the command shows (:func:`planner.cli.output.show` adds it to the report's
    warnings, so it reaches stderr and every format)."""
    if ctx is not None:
        root = ctx.find_root()
        root.meta.setdefault(_NOTED, []).append(message)


def noted_warnings(ctx) -> list[str]:
    """The warnings :func:`note_warning` kept in this command's run."""
    return list(ctx.find_root().meta.get(_NOTED, ())) if ctx is not None else []


#: --seed: numpy's generators take a seed of 0 or more (a negative one raised ValueError from deep in numpy).
SEED = click.IntRange(min=0)


class Resamples(click.IntRange):
    """A number of bootstrap resamples (0 where it means none): below
    :data:`~planner.base.conventions.MIN_BOOTSTRAP_RESAMPLES` an interval's ends are the extreme resamples, of no
    stated level, which a warning says (the report keeps it)."""

    name = "resamples"

    def convert(self, value, param, ctx):
        n = super().convert(value, param, ctx)
        if 0 < n < MIN_BOOTSTRAP_RESAMPLES:
            flag = max(param.opts, key=len) if param is not None else "the bootstrap"
            least = MIN_BOOTSTRAP_RESAMPLES
            note_warning(ctx, f"{flag} {n}: a 95% interval needs at least {least} resamples (each 2.5% tail under one "
                              f"resample below that, so its ends are the extreme resamples); read these intervals as "
                              f"rough, and give {least} or more (about 1000 for percentile intervals, Efron & "
                              "Tibshirani 1993 §19.3)")
        return n


class Quantity(click.ParamType):
    """A positive finite number: ``1e21``, ``3.8e+25``, ``7B``, ``2T`` (with ``zero``, also 0)."""

    name = "quantity"

    def __init__(self, zero: bool = False):
        self.zero = zero

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        if self.zero and str(value).strip() in ("0", "0.0", "0e0"):
            return 0.0
        try:
            return parse_quantity(value)
        except PlannerError as e:
            self.fail(str(e), param, ctx)


QUANTITY = Quantity()
#: A quantity that may be zero (--inference-tokens 0: no demand, the plain plan).
QUANTITY_OR_ZERO = Quantity(zero=True)


class Number(click.ParamType):
    """A finite number between ``low`` and ``high`` (each end open or closed): ``nan`` and ``inf`` are refused,
    which click's FloatRange lets through. A refusal says what was expected: ``expected``, else ``what`` (default
    "a finite number") with the range."""

    def __init__(self, low: float, high: float, low_open: bool = False, high_open: bool = False, what: str = "",
                 expected: str = "", name: str = "number"):
        self.low, self.high, self.low_open, self.high_open, self.what = low, high, low_open, high_open, what
        self.expected, self.name = expected, name

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = None
        lo_ok = x is not None and (x > self.low if self.low_open else x >= self.low)
        hi_ok = x is not None and (x < self.high if self.high_open else x <= self.high)
        if not (lo_ok and hi_ok):
            ends = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
            expected = self.expected or f"{self.what or 'a finite number'} in {ends}"
            self.fail(f"expected {expected}; got {value!r}", param, ctx)
        return x


#: --ci and --level: a central interval's level in percent.
LEVEL = Number(0, 100, low_open=True, high_open=True, what="a percentage")
#: --mfu: a fraction of peak; below one useful FLOP in a million is taken for a typo (planner's bound, not a paper's).
MFU = Number(1e-6, 1, what="a model-FLOPs utilisation")
#: --target-loss, --teacher-loss: a loss in nats/token.
LOSS = Number(0, math.inf, low_open=True, high_open=True, expected="a finite loss > 0 in nats/token, like 2.1",
              name="loss")
#: --target-accuracy: an accuracy, a fraction strictly between 0 and 1.
ACCURACY = Number(0, 1, low_open=True, high_open=True,
                  expected="an accuracy between 0 and 1 (a fraction, like 0.6 for 60%)", name="accuracy")


def parse_pairs(values, option: str = "--set", example: str = "alpha=0.35") -> dict[str, float]:
    """NAME=VALUE items (--set, --fix) as {name: number}; a usage error naming ``option`` for an item that is not
    NAME=NUMBER, and for a name given twice (which value was meant is not ours to guess)."""
    out: dict[str, float] = {}
    given: dict[str, list[str]] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE like {example} (got {item!r})", param_hint=f"'{option}'")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise click.BadParameter(f"{name.strip()!r} needs a number (got {value!r})",
                                     param_hint=f"'{option}'") from None
        given.setdefault(name.strip(), []).append(value.strip())
    for name, vs in given.items():
        if len(vs) > 1:
            raise click.BadParameter(f"{name} given {len(vs)} times ({', '.join(vs)}); give it once",
                                     param_hint=f"'{option}'")
    return out
