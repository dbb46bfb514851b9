"""Loss-curve laws (planner.laws.curve_laws, planner.fitting.curve_fit).

The multi-power law (Luo et al. 2025, arXiv:2503.12811) against its authors' published curves and fitting logs
(thu-yao-01-luo/MultiPowerLaw, read through tests/reference.py): their fitted coefficients reproduce the per-curve
errors their log reports, and a refit on their training curves reaches their held-out error. Tissue et al.'s law
(arXiv:2408.11029) against an independent step-by-step implementation written here.
"""

import csv
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from planner.fitting.curve_fit import curve_objective, fit_curve_law
from planner.laws.curve_laws import Curve, MultiPowerLaw, TissueLaw
from planner.laws.schedules import Schedule, per_step_rates

from .reference import multipower_dir

#: Luo et al.'s curves start at step 2160, the end of a linear warm-up from 0 to the peak 3e-4 (the files' first
#: rows; the authors' code adds the warm-up area S_W for it).
WARMUP, PEAK = 2160, 3e-4
TRAIN = ("cosine_24000", "constant_24000", "wsdcon_9")   # the authors' TRAIN_SET, as their logs list it
TEST = ("constant_72000", "cosine_72000", "wsd_20000_24000", "wsdld_20000_24000", "wsdcon_3", "wsdcon_18")


def authors_curve(size: str, name: str) -> Curve:
    """One of the authors' curves on its step grid. Rates: the linear warm-up, then the logged ``lr`` column
    linearly interpolated between its rows (every 128 steps), except the two-stage ``wsdcon`` runs whose one step
    (at step 8000, where the column changes) is given as a step schedule: interpolation would smear it."""
    with open(multipower_dir() / "curves" / size / f"{name}.csv", newline="") as fh:
        rows = np.array([[float(x) for x in r] for r in list(csv.reader(fh))[1:]])
    step, lr, loss = rows[:, 0].astype(int), rows[:, 1], rows[:, 2]
    if name.startswith("wsdcon"):
        changed = int(step[np.argmax(lr < PEAK * 0.999)])
        rates = per_step_rates(Schedule("step", peak=PEAK, warmup=WARMUP, at=(changed,), factor=lr[-1] / PEAK),
                               1.0, int(step[-1]))
    else:
        rates = np.interp(np.arange(step[-1] + 1), np.r_[WARMUP, step], np.r_[PEAK, lr])
        rates[:WARMUP] = PEAK * np.arange(WARMUP) / WARMUP
    return Curve(rates, step, loss, WARMUP)


def authors_log(size: str):
    """(coefficients, {curve: (PredE, WorstE)}) from the authors' fitting log for a model size."""
    text = (multipower_dir() / "logs" / f"{size}.log").read_text()
    theta = [float(x) for x in re.search(r"Fitting complete\. Best Loss: \S+, Best Params: \[([^\]]*)\]",
                                         text).group(1).split(",")]
    errors = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in re.finditer(
        r"src\.evaluation:(\w+)\.csv\n(?:.*\n){4}.*prede: (\S+)\n.*worste: (\S+)", text)}
    return theta, errors


# ---------------------------------------------------------------------------------------------------------------------
# the multi-power law against its authors' published fits


@pytest.mark.parametrize("size", ["25", "100", "400"])
def test_published_coefficients_reproduce_the_logged_error_of_every_curve(size):
    """Each of the 9 curves' mean relative error (PredE) within 0.5% of the logged value and its worst (WorstE)
    within 2% (the logs print the coefficients to 16 digits; the residual gap is the merged loss-drop terms
    past 8,000 rate changes on the 72,000-step cosine)."""
    theta, logged = authors_log(size)
    law = MultiPowerLaw(*theta)
    assert set(logged) == set(TRAIN + TEST)
    for name, (pred_e, worst_e) in logged.items():
        c = authors_curve(size, name)
        e = np.abs(law.loss(c, max_drops=8000) - c.loss) / c.loss
        assert e.mean() == pytest.approx(pred_e, rel=5e-3), name
        assert e.max() == pytest.approx(worst_e, rel=2e-2), name


def test_published_coefficients_break_if_the_warmup_rise_is_left_out_of_the_loss_drop():
    """The convention matters: without the warm-up's rising rate in the loss-drop sum the same coefficients miss
    the constant run by far more than the logged error."""
    theta, logged = authors_log("400")
    c = authors_curve("400", "constant_24000")
    rates = c.rates.copy()
    rates[:WARMUP] = PEAK
    flat = Curve(rates, c.at, c.loss, WARMUP)
    e = np.abs(MultiPowerLaw(*theta).loss(flat) - c.loss) / c.loss
    assert e.mean() > 10 * logged["constant_24000"][0]


#: The repository's README, "Evaluation Metrics": PredE on the held-out curves, 400M model.
README_PREDE_400M = 0.00168


def test_refit_on_the_authors_training_curves_reaches_their_held_out_error():
    """Fitted on the authors' 3 training curves (400M), our fit's objective is no worse than theirs and its mean
    held-out PredE over their 6 test curves (3x longer, WSD cooldowns, other steps) is within 1.5x of the README's
    0.168%. L0, A and α land within 10% of the authors'; B, C, β, γ trade off (their optimiser, AdamW with early
    stopping, ends at a higher objective)."""
    theta, _ = authors_log("400")
    train = [authors_curve("400", n) for n in TRAIN]
    fit = fit_curve_law("multi-power", train)
    assert fit.objective <= curve_objective("multi-power", theta, train, gradient=False, max_drops=600)
    errors = [np.mean(np.abs(fit.law.loss(c) - c.loss) / c.loss) for c in (authors_curve("400", n) for n in TEST)]
    assert np.mean(errors) < 1.5 * README_PREDE_400M
    for name, mine, theirs in zip(("L0", "A", "alpha"), (fit.law.L0, fit.law.A, fit.law.alpha), theta):
        assert mine == pytest.approx(theirs, rel=0.10), name


# ---------------------------------------------------------------------------------------------------------------------
# Tissue et al.'s law against an independent implementation


def tissue_by_hand(L0, A, alpha, C, lam, rates, warmup, at):
    """Tissue et al. 2024, Eq. 1, step by step: warm-up at the peak, S1 += η_i, m_i = λ·m_{i−1} + (η_{i−1} − η_i),
    S2 += m_i, for i = 1 … s."""
    eta = list(rates)
    for i in range(warmup):
        eta[i] = eta[warmup]
    S1 = S2 = m = 0.0
    out = {}
    for i in range(1, max(at) + 1):
        S1 += eta[i]
        m = lam * m + (eta[i - 1] - eta[i])
        S2 += m
        out[i] = L0 + A * S1 ** (-alpha) - C * S2
    return np.array([out[t] for t in at])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["cosine", "wsd", "linear", "step"]), st.floats(0.0, 0.2), st.floats(1e-4, 1e-2),
       st.floats(0.05, 0.9))
def test_tissue_law_matches_an_independent_implementation(kind, warm, peak, final):
    T = 600
    s = Schedule(kind, peak=peak, warmup=warm * T, horizon=float(T), final=final, at=(T / 2,), factor=final)
    rates = per_step_rates(s, 1.0, T)
    W = int(math.ceil(warm * T))
    at = np.array([W + 1, T // 3, T // 2, T - 1, T])
    law = TissueLaw(2.0, 0.4, 0.5, 30.0, 0.99)
    mine = law.loss(Curve(rates, at, np.ones(len(at)), W))
    np.testing.assert_allclose(mine, tissue_by_hand(2.0, 0.4, 0.5, 30.0, 0.99, rates, W, at), rtol=1e-10)


def test_tissue_fit_recovers_known_coefficients_from_its_own_curves():
    """Curves made by the independent implementation under two schedules; the fit (shared coefficients) recovers
    L0, A, α, C within 2%."""
    truth = (2.1, 0.5, 0.45, 0.3)
    curves = []
    for kind in ("cosine", "wsd", "constant"):
        s = Schedule(kind, peak=1e-3, warmup=100.0, horizon=4000.0, final=0.1)
        rates = per_step_rates(s, 1.0, 4000)
        at = np.arange(200, 4001, 100)
        curves.append(Curve(rates, at, tissue_by_hand(*truth, 0.999, rates, 100, at), 100))
    fit = fit_curve_law("tissue", curves)
    assert [fit.law.L0, fit.law.A, fit.law.alpha, fit.law.C] == pytest.approx(truth, rel=0.02)


# ---------------------------------------------------------------------------------------------------------------------
# the analytic gradients against finite differences


@pytest.mark.parametrize("family, theta", [("multi-power", (2.3, 0.65, 0.43, 520.0, 2.0, 0.6, 0.63)),
                                           ("tissue", (2.3, 0.6, 0.45, 0.3))])
def test_objective_gradient_matches_central_differences(family, theta):
    s = Schedule("wsd", peak=3e-4, warmup=200.0, horizon=3000.0, decay=0.3, final=0.1)
    rates = per_step_rates(s, 1.0, 3000)
    at = np.arange(300, 3001, 150)
    truth = MultiPowerLaw(2.4, 0.6, 0.4, 500.0, 2.0, 0.6, 0.6).loss(Curve(rates, at, np.ones(len(at)), 200))
    curves = [Curve(rates, at, truth * (1 + 0.002 * np.sin(at)), 200)]
    f, g = curve_objective(family, theta, curves, delta=1e-2)
    for i in range(len(theta)):
        h = 1e-6 * abs(theta[i])
        up, down = list(theta), list(theta)
        up[i] += h
        down[i] -= h
        numeric = (curve_objective(family, up, curves, delta=1e-2, gradient=False)
                   - curve_objective(family, down, curves, delta=1e-2, gradient=False)) / (2 * h)
        assert g[i] == pytest.approx(numeric, rel=1e-4, abs=1e-10 * max(1.0, abs(f))), i
