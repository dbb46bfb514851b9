"""planner.laws.tasks and planner.forecast: the two steps, their inverses, and the least compute for an accuracy.

Reference coefficients are the papers' printed ones (Bhagia et al. 2024, arXiv:2412.04403, Table 5; Gadre et al. 2024,
arXiv:2403.08540, Table 6), used here as plain numbers, not read from the shipped presets.
"""

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq, minimize_scalar

from planner.base.errors import NoUncertaintyError, UnreachableAccuracyError, UnknownTaskError
from planner.planning.forecasting import forecast, forecast_intervals, least_compute_for_accuracy
from planner.laws import ParametricLaw
from planner.laws.tasks import ExponentialError, SigmoidAccuracy, TaskLaw, TaskLaws

#: Bhagia et al. 2024, Table 5, MMLU: L = 38.07/N^0.23 + 100.09/D^0.24 + 0.45; Acc = -0.74/(1 + e^(-4.83(L-0.62))) + 1.
MMLU_STEP1 = ParametricLaw(E=0.45, A=38.07, B=100.09, alpha=0.23, beta=0.24)
MMLU_STEP2 = SigmoidAccuracy(a=-0.74, b=1.00, k=4.83, L0=0.62)
#: Gadre et al. 2024, Table 6, RedPajama, Eq. 5: Err = 0.857 - 2.21·exp(-0.715·L).
RPJ_STEP2 = ExponentialError(epsilon=0.857, k=2.21, gamma=0.715)


def mmlu(**changes):
    return TaskLaw(**{"id": "mmlu", "metric": "accuracy", "chance": 0.25, "loss_law": MMLU_STEP1,
                      "accuracy_law": MMLU_STEP2, **changes})


def test_sigmoid_is_bhagia_eq2():
    """Acc(L) = a/(1 + e^(-k(L - L0))) + b: at L0 the midpoint a/2 + b; far above, a + b; far below, b."""
    assert MMLU_STEP2(0.62) == pytest.approx(-0.74 / 2 + 1.0, abs=1e-15)
    assert MMLU_STEP2(0.8) == pytest.approx(-0.74 / (1 + math.exp(-4.83 * (0.8 - 0.62))) + 1.0, rel=1e-15)
    assert MMLU_STEP2(50.0) == pytest.approx(0.26, abs=1e-12) and MMLU_STEP2.floor == pytest.approx(0.26)
    assert MMLU_STEP2(-50.0) == pytest.approx(1.0, abs=1e-12) and MMLU_STEP2.ceiling == 1.0
    L = np.linspace(0.0, 3.0, 301)
    assert np.all(np.diff(MMLU_STEP2(L)) < 0), "accuracy falls as the task loss rises"


def test_exponential_error_is_gadre_eq5():
    """Err(L) = ε - k·exp(-γL); accuracy = 1 - Err; the error rises towards ε as the loss grows."""
    assert RPJ_STEP2(2.5) == pytest.approx(0.857 - 2.21 * math.exp(-0.715 * 2.5), rel=1e-15)
    assert RPJ_STEP2.accuracy(2.5) == pytest.approx(1 - RPJ_STEP2(2.5), rel=1e-15)
    L = np.linspace(1.5, 6.0, 100)
    assert np.all(np.diff(RPJ_STEP2(L)) > 0)
    assert RPJ_STEP2.floor == pytest.approx(1 - 0.857)


@pytest.mark.parametrize("law, L", [(MMLU_STEP2, 0.3), (MMLU_STEP2, 0.9), (MMLU_STEP2, 1.6), (RPJ_STEP2, 2.0),
                                    (RPJ_STEP2, 4.0)])
def test_step2_inverse_against_a_root_finder(law, L):
    """The closed-form inverse against scipy's brentq on the forward law."""
    acc = float(law.accuracy(L))
    root = brentq(lambda x: float(law.accuracy(x)) - acc, 0.0, 10.0, xtol=1e-14)
    assert law.task_loss(acc) == pytest.approx(root, abs=1e-9)
    assert law.task_loss(acc) == pytest.approx(L, abs=1e-9)


def test_accuracy_range_and_unreachable_targets_say_the_range():
    task = mmlu()
    lo, hi = task.accuracy_range()
    assert lo == pytest.approx(0.26)  # the sigmoid's floor a + b is above chance 0.25
    assert hi == pytest.approx(MMLU_STEP2(0.45)), "infinite compute reaches the task loss E = 0.45"
    for target, why in ((0.9, "beyond what infinite compute reaches"), (0.2, "at or below chance"),
                        (0.255, "the sigmoid's floor")):
        with pytest.raises(UnreachableAccuracyError, match=why) as e:
            task.loss_for_accuracy(target)
        assert f"from {lo:.4g} to {hi:.4g}" in str(e.value) and "\n" not in str(e.value)


def test_least_compute_for_accuracy_against_a_numeric_optimum():
    """The target's task loss from step 2's inverse; its C is the least compute whose best split reaches it: at that C,
    the loss minimised over N (scipy) equals the needed task loss, and the returned N is that minimiser."""
    task = mmlu()
    t = least_compute_for_accuracy(task, 0.6)
    assert t.task_loss == pytest.approx(MMLU_STEP2.task_loss(0.6), rel=1e-12)
    assert 6 * t.n_params * t.n_tokens == pytest.approx(t.flops, rel=1e-9)
    best = minimize_scalar(lambda x: MMLU_STEP1.loss(math.exp(x), t.flops / (6 * math.exp(x))),
                           bounds=(math.log(1e6), math.log(1e15)), method="bounded", options={"xatol": 1e-10})
    assert best.fun == pytest.approx(t.task_loss, rel=1e-9)
    assert math.exp(best.x) == pytest.approx(t.n_params, rel=1e-4)
    assert forecast(task, t.n_params, t.n_tokens).accuracy == pytest.approx(0.6, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(E=st.floats(0.1, 1.5), logA=st.floats(1, 12), logB=st.floats(1, 12), alpha=st.floats(0.1, 0.8),
       beta=st.floats(0.1, 0.8), a=st.floats(-0.9, -0.2), k=st.floats(1, 15), L0=st.floats(0.3, 1.5), u=st.floats(0.05, 0.95))
def test_a_reachable_target_is_reached_exactly(E, logA, logB, alpha, beta, a, k, L0, u):
    """For any valid two-step law and any target strictly inside its reachable range, the least-compute run
    forecasts exactly the target."""
    task = TaskLaw(id="t", metric="accuracy", chance=0.2, loss_law=ParametricLaw(E=E, A=math.exp(logA),
                   B=math.exp(logB), alpha=alpha, beta=beta), accuracy_law=SigmoidAccuracy(a=a, b=1.0, k=k, L0=L0))
    lo, hi = task.accuracy_range()
    if not hi - lo > 1e-6:
        event("empty range")
        return
    target = lo + u * (hi - lo)
    try:
        t = least_compute_for_accuracy(task, target)
    except Exception as e:  # a target so close to the ceiling that it needs more than 1e308 FLOPs
        event(f"unrepresentable: {type(e).__name__}")
        return
    event("reached")
    assert forecast(task, t.n_params, t.n_tokens).accuracy == pytest.approx(target, abs=1e-7)


def test_forecast_of_an_error_metric_carries_both():
    task = TaskLaw(id="average17", metric="top-1 error", chance=0.19, loss_law=MMLU_STEP1, accuracy_law=RPJ_STEP2)
    f = forecast(task, 7e9, 1.4e11)
    assert f.error == pytest.approx(RPJ_STEP2(f.task_loss)) and f.accuracy == pytest.approx(1 - f.error)


def test_forecast_intervals_are_percentiles_of_the_chained_samples():
    """Each sample's two steps are chained at its own task loss; the interval is their central percentiles."""
    rng = np.random.default_rng(3)
    S = 400
    rows = np.column_stack([0.45 + 0.01 * rng.standard_normal(S), np.full(S, 38.07), np.full(S, 100.09),
                            0.23 + 0.005 * rng.standard_normal(S), np.full(S, 0.24), np.full(S, -0.74),
                            np.full(S, 1.0), 4.83 + 0.2 * rng.standard_normal(S), np.full(S, 0.62)])
    task = mmlu(sample_names=("E", "A", "B", "alpha", "beta", "a", "b", "k", "L0"),
                samples=tuple(map(tuple, rows)))
    iv = forecast_intervals(task, 7e9, 4e12, 80)
    L = rows[:, 0] + rows[:, 1] / 7e9 ** rows[:, 3] + rows[:, 2] / 4e12 ** rows[:, 4]
    acc = rows[:, 5] / (1 + np.exp(-rows[:, 7] * (L - rows[:, 8]))) + rows[:, 6]
    assert (iv.task_loss_lo, iv.task_loss_hi) == pytest.approx(tuple(np.percentile(L, [10, 90])), rel=1e-12)
    assert (iv.accuracy_lo, iv.accuracy_hi) == pytest.approx(tuple(np.percentile(acc, [10, 90])), rel=1e-12)
    with pytest.raises(NoUncertaintyError):
        forecast_intervals(mmlu(), 7e9, 4e12, 80)


def test_task_lookup_is_case_insensitive_and_suggests():
    laws = TaskLaws(id="x", title="X", tasks=(mmlu(), mmlu(id="hellaswag")), citation={"authors": "A", "year": 2024,
                                                                                        "title": "T"})
    assert laws.task("MMLU").id == "mmlu" and [t.id for t in laws.select(["hellaswag", "mmlu", "hellaswag"])] == \
        ["hellaswag", "mmlu"]
    with pytest.raises(UnknownTaskError, match="unknown task 'hellaswg' in x; did you mean 'hellaswag'"):
        laws.task("hellaswg")
