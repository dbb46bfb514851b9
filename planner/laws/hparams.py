"""Hyperparameter laws: the peak learning rate η and the batch size B as power laws in N, D and C.

Every published law here has one form, a product of powers of the run's size::

    η(N, D, C) = k_η · (N/N₀)^a_N · (D/D₀)^a_D · (C/C₀)^a_C
    B(N, D, C) = k_B · (N/N₀)^b_N · (D/D₀)^b_D · (C/C₀)^b_C        (B in tokens)

with N parameters (counted as the law counts them: :attr:`HparamLaw.parameters`), D training tokens, C = k·N·D
training FLOPs and reference scales N₀, D₀, C₀ (1 unless the law names one). The shipped laws:

- Step Law (Li et al. 2025, arXiv:2503.04715): η = e^c·N^a·D^b, B = e^d·D^e (N non-embedding);
- Porian et al. 2024 (arXiv:2406.19146) as OLMo-core's ladder configurator codes it:
  η = 0.0047·(N/108M)^(−1/3), B = 2048·160·(N/108M)^(2/3) tokens;
- DeepSeek-AI 2024 (arXiv:2401.02954, §3.1): η = 0.3118·C^−0.1250, B = 0.2920·C^0.3271 tokens.

A law may carry bootstrap samples of its coefficients (:attr:`HparamLaw.samples`): its band at a plan is the spread
of the samples' predictions there. It may also say how its recipe warms up (:class:`Warmup`). Nothing here opens a
file: laws are read by :mod:`planner.files.hparamfile`.
"""

from __future__ import annotations

import math
from dataclasses import field
from typing import Mapping, Sequence

from ..base.conventions import FLOPS_PER_PARAM_TOKEN
from ..base.errors import QuantityError
from ..base.records import Record, record
from ..base.units import Real, check_positive, format_count
from .law import short_citation

__all__ = ["VARIABLES", "PowerTerm", "Warmup", "HparamLaw", "HparamSuggestion", "suggest_hparams", "trainable_batch",
           "spread"]

#: The variables a hyperparameter law may depend on: N parameters, D training tokens, C training FLOPs.
VARIABLES = ("n_params", "tokens", "flops")


@record
class PowerTerm(Record):
    """y = coefficient · Π (x/x₀)^e over the variables named in ``exponents`` (keys of :data:`VARIABLES`).

    ``reference`` holds x₀ for the variables that have one (OLMo-core's N₀ = 108M); the others are 1.
    """

    coefficient: float
    exponents: Mapping[str, float]
    reference: Mapping[str, float] = field(default_factory=dict)

    def __call__(self, n_params: Real, tokens: Real, flops: Real) -> Real:
        values = {"n_params": n_params, "tokens": tokens, "flops": flops}
        y: Real = self.coefficient
        for name, e in self.exponents.items():
            y = y * (values[name] / self.reference.get(name, 1.0)) ** e
        return y

    def with_values(self, coefficient: float, exponents: Sequence[float]) -> PowerTerm:
        """This term with another coefficient and exponents (in the order of :attr:`exponents`): one bootstrap
        sample."""
        return PowerTerm(coefficient, dict(zip(self.exponents, exponents)), self.reference)


@record
class Warmup(Record):
    """How a recipe warms its learning rate up: ``tokens_per_param`` tokens per parameter (Porian et al. 2024:
    warm-up = N tokens), or a fixed number of ``steps`` (DeepSeek-AI 2024: 2,000), or a ``fraction`` of the run."""

    tokens_per_param: float | None = None
    steps: float | None = None
    fraction: float | None = None

    def tokens(self, n_params: Real, batch_tokens: Real, tokens: Real) -> Real:
        """The warm-up in tokens for a run of ``n_params``, ``batch_tokens`` per step and ``tokens`` in all."""
        if self.tokens_per_param is not None:
            return self.tokens_per_param * n_params
        if self.steps is not None:
            return self.steps * batch_tokens
        assert self.fraction is not None, "a warm-up states tokens per parameter, steps or a fraction"
        return self.fraction * tokens

    def describe(self) -> str:
        if self.tokens_per_param is not None:
            return f"{self.tokens_per_param:g} token per parameter" if self.tokens_per_param == 1 else \
                f"{self.tokens_per_param:g} tokens per parameter"
        if self.steps is not None:
            return f"{self.steps:,.0f} steps"
        return f"{self.fraction:.0%} of the run"


@record
class HparamLaw(Record):
    """A published (or fitted) law for the peak learning rate and the batch size in tokens, with its source.

    parameters : how N is counted ("non-embedding", "total"); batch_units : what the source counted its batch in
    ("tokens", or "sequences of 2,048 tokens"); sequence_length : that length, if the source states one;
    regime : the runs it was fitted on (models, tokens, schedule, the horizon it was tuned at).
    samples : bootstrap samples, each a tuple (learning-rate coefficient, its exponents, batch coefficient, its
    exponents) in the order of the terms' exponents; level : the band they give (0.90: the 5–95% band).
    """

    id: str
    title: str
    learning_rate: PowerTerm
    batch_tokens: PowerTerm
    citation: Mapping[str, object]
    parameters: str = "non-embedding"
    batch_units: str = "tokens"
    sequence_length: int | None = None
    regime: str = ""
    flops_per_param_token: float = FLOPS_PER_PARAM_TOKEN
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    warmup: Warmup | None = None
    samples: tuple[tuple[float, ...], ...] = ()
    level: float = 0.90
    fitted_range: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    fit: Mapping[str, object] = field(default_factory=dict)
    source: str = ""

    @property
    def short_citation(self) -> str:
        """``'Li et al. 2025, arXiv:2503.04715'``."""
        return short_citation(self.citation)

    @property
    def batch_text(self) -> str:
        """What the source counted its batch in: ``'tokens'``, ``'tokens (sequences of 4,096)'``, ``'sequences of
        2,048 tokens'``."""
        if self.sequence_length is None:
            return self.batch_units
        if self.batch_units == "sequences":
            return f"sequences of {self.sequence_length:,} tokens"
        return f"{self.batch_units} (sequences of {self.sequence_length:,})"

    def formula(self) -> str:
        """The law in one line, e.g. ``η = 1.79·N^-0.713·D^0.307; B = 0.58·D^0.571 tokens``."""
        return f"η = {_term_text(self.learning_rate)}; B = {_term_text(self.batch_tokens)} tokens"

    def sample_terms(self) -> list[tuple[PowerTerm, PowerTerm]]:
        """Each bootstrap sample as a (learning-rate term, batch term) pair."""
        n = 1 + len(self.learning_rate.exponents)
        return [(self.learning_rate.with_values(s[0], s[1:n]), self.batch_tokens.with_values(s[n], s[n + 1:]))
                for s in self.samples]


_SYMBOLS = {"n_params": "N", "tokens": "D", "flops": "C"}


def _term_text(term: PowerTerm) -> str:
    parts = [f"{term.coefficient:.6g}"]
    for name, e in term.exponents.items():
        x0 = term.reference.get(name)
        symbol = _SYMBOLS[name] if x0 is None else f"({_SYMBOLS[name]}/{format_count(x0)})"
        parts.append(f"{symbol}^{e:.4g}")
    return "·".join(parts)


@record
class HparamSuggestion(Record):
    """What a law suggests for one run (floats, or arrays of the inputs' shape).

    learning_rate, batch_tokens : η and B (tokens); ``*_low``/``*_high`` : the law's band (None without samples);
    warmup_tokens : the warm-up its recipe implies (None if the law states none).
    """

    law: str
    n_params: Real
    tokens: Real
    flops: Real
    learning_rate: Real
    batch_tokens: Real
    learning_rate_low: Real | None = None
    learning_rate_high: Real | None = None
    batch_tokens_low: Real | None = None
    batch_tokens_high: Real | None = None
    warmup_tokens: Real | None = None


def suggest_hparams(law: HparamLaw, n_params: Real, tokens: Real, flops: Real | None = None) -> HparamSuggestion:
    """η and B for a run of ``n_params`` parameters (counted as ``law`` counts them) on ``tokens`` tokens.

    ``flops`` is the run's compute, C = k·N·D with the law's k unless given. With bootstrap samples the band is the
    ((1 − level)/2, (1 + level)/2) quantiles of the samples' predictions at this run.
    """
    N = check_positive(n_params, "n_params")
    D = check_positive(tokens, "tokens")
    C = law.flops_per_param_token * N * D if flops is None else check_positive(flops, "flops")
    lr, batch = law.learning_rate(N, D, C), law.batch_tokens(N, D, C)
    band: dict[str, Real] = {}
    if law.samples:
        import numpy as np

        terms = law.sample_terms()
        q = ((1 - law.level) / 2, (1 + law.level) / 2)
        lrs = np.quantile(np.array([t(N, D, C) for t, _ in terms]), q, axis=0)
        bs = np.quantile(np.array([b(N, D, C) for _, b in terms]), q, axis=0)

        def scalar(v: Real) -> Real:   # 0-d quantiles back to floats
            return float(v) if np.ndim(v) == 0 else v
        band = dict(learning_rate_low=scalar(lrs[0]), learning_rate_high=scalar(lrs[1]),
                    batch_tokens_low=scalar(bs[0]), batch_tokens_high=scalar(bs[1]))
    warmup = None if law.warmup is None else law.warmup.tokens(N, batch, D)
    return HparamSuggestion(law=law.id, n_params=N, tokens=D, flops=C, learning_rate=lr, batch_tokens=batch,
                            warmup_tokens=warmup, **band)


def trainable_batch(batch_tokens: float, sequence_length: int, power_of_two: bool = False) -> tuple[int, int]:
    """The batch a trainer can run nearest ``batch_tokens``: (sequences, tokens = sequences × sequence_length).

    The number of sequences is rounded to the nearest integer (at least 1), or, with ``power_of_two``, to the nearest
    power of two in log space (2^round(log2(B/L))), as most data-parallel launchers want.
    """
    if not (isinstance(sequence_length, int) and sequence_length > 0):
        raise QuantityError(f"sequence length must be a positive integer (got {sequence_length!r})")
    B = float(check_positive(batch_tokens, "batch_tokens"))
    sequences = B / sequence_length
    n = 2 ** max(0, round(math.log2(sequences))) if power_of_two else max(1, round(sequences))
    return int(n), int(n) * sequence_length


def spread(values: Sequence[float]) -> float:
    """max / min of positive values: how far apart the laws are (1 when they agree)."""
    return max(values) / min(values)
