"""The click parameter types and the option decorator every ``plan`` command uses: the seam where each value enters
and is checked (a quantity like 7B, a finite number in a range, a loss, an accuracy, NAME=VALUE pairs)."""

from __future__ import annotations

import click

from ..base.errors import PlannerError
from ..base.units import parse_quantity

__all__ = ["Once", "with_options", "option", "Quantity", "QUANTITY", "QUANTITY_OR_ZERO", "Number", "LEVEL", "MFU",
           "Loss", "LOSS", "Accuracy", "ACCURACY", "parse_pairs"]


class Once(click.Option):
    """A single-valued option that refuses to be given twice: click would keep the last value silently
    (``--params 7B --params 8B`` planned 8B)."""

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
    """``click.option`` whose single-valued options refuse to be repeated (:class:`Once`): every option of planner's
    commands is declared with it."""
    attrs.setdefault("cls", Once)
    return click.option(*decls, **attrs)


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
    which click's FloatRange lets through."""

    name = "number"

    def __init__(self, low: float, high: float, low_open: bool = False, high_open: bool = False, what: str = ""):
        self.low, self.high, self.low_open, self.high_open, self.what = low, high, low_open, high_open, what

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            x = None
        lo_ok = x is not None and (x > self.low if self.low_open else x >= self.low)
        hi_ok = x is not None and (x < self.high if self.high_open else x <= self.high)
        if not (lo_ok and hi_ok):
            ends = f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
            self.fail(f"expected {self.what or 'a finite number'} in {ends}; got {value!r}", param, ctx)
        return x


#: --ci and --level: a central interval's level in percent.
LEVEL = Number(0, 100, low_open=True, high_open=True, what="a percentage")
#: --mfu: a fraction of peak; below one useful FLOP in a million is taken for a typo (planner's bound, not a paper's).
MFU = Number(1e-6, 1, what="a model-FLOPs utilisation")


class Loss(click.ParamType):
    """A loss in nats/token: a finite number > 0."""

    name = "loss"

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a loss in nats/token like 2.1; got {value!r}", param, ctx)
        if not (x > 0 and x != float("inf")):
            self.fail(f"expected a finite loss > 0 in nats/token; got {value!r}", param, ctx)
        return x


LOSS = Loss()


class Accuracy(click.ParamType):
    """An accuracy: a number strictly between 0 and 1 (``0.6``)."""

    name = "accuracy"

    def convert(self, value, param, ctx):
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected an accuracy like 0.6; got {value!r}", param, ctx)
        if not 0 < x < 1:
            self.fail(f"expected an accuracy between 0 and 1 (a fraction, like 0.6 for 60%); got {value!r}", param, ctx)
        return x


ACCURACY = Accuracy()


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
