"""Joint fits of several ladders with shared coefficients (planner.fitting.joint) and their bootstrap and multipliers
(planner.fitting.joint_bootstrap): the truth recovered, the facts every joint fit obeys, and an independent optimiser
on the stacked objective."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from planner.base.errors import FitError
from planner.fitting.joint import Sharing, fit_joint
from planner.fitting.joint_bootstrap import bootstrap_joint, joint_multipliers
from planner.fitting.parametrisation import Parametrisation
from planner.laws import ParametricLaw
from planner.planning.uncertainty import CoefficientSamples
from planner.planning.versus import compute_multiplier, versus_intervals

from .strategies import fittable_parametric_laws, simulated_runs

#: Two recipes evaluated on one set: one E, their own scales and exponents (values like Hoffmann et al.'s Eq. 10).
BASE = ParametricLaw(E=1.8, A=400.0, B=1500.0, alpha=0.34, beta=0.30)
VARIANT = ParametricLaw(E=1.8, A=250.0, B=2500.0, alpha=0.31, beta=0.33)
SIZES, RATIOS = np.geomspace(1e7, 3e9, 6), np.geomspace(4, 120, 5)


def ladder(law, noise=0.0, seed=0):
    return simulated_runs(law, SIZES, RATIOS, noise=noise, seed=seed)


def _huber(r, delta=1e-3):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def test_a_shared_E_and_each_ladder_s_scales_are_recovered():
    """Noise-free ladders of two laws with one E: the joint fit gives back E, A, B, α, β of each (rtol 1e-4)."""
    joint = fit_joint([ladder(BASE), ladder(VARIANT)], share=["E"])
    for fit, truth in zip(joint.fits, (BASE, VARIANT)):
        for name in ("E", "A", "B", "alpha", "beta"):
            assert fit.coefficients[name] == pytest.approx(getattr(truth, name), rel=1e-4), name
    assert joint.fits[0].coefficients["E"] == joint.fits[1].coefficients["E"]
    assert joint.objective == pytest.approx(joint.separate_objective, abs=1e-15)   # the truth shares: both ~0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sharing_never_lowers_the_objective(seed):
    """Separate fits minimise each term over more freedom: the joint optimum is >= their sum, and the excess is
    positive when the ladders' own optima disagree on E (noise, and truths with different E)."""
    a = ladder(BASE, noise=0.01, seed=seed)
    b = ladder(dataclasses.replace(VARIANT, E=2.0), noise=0.01, seed=seed + 10)
    joint = fit_joint([a, b], share=["E"], tie=["alpha=beta"])
    assert joint.objective >= joint.separate_objective * (1 - 1e-9)
    assert joint.objective > joint.separate_objective * 1.001
    assert sum(f.objective for f in joint.fits) == pytest.approx(joint.objective, rel=1e-9)


@pytest.mark.slow  # several joint fits
@settings(max_examples=5, deadline=None)
@given(law=fittable_parametric_laws, seeds=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
       share=st.sampled_from([("E",), ("alpha", "beta"), ("B",)]))
def test_a_joint_optimum_is_never_below_the_separate_fits(law, seeds, share):
    """The invariant on any pair of noisy ladders of one law, whatever is shared: F_joint >= Σ f_k (1e-9 relative)."""
    ladders = [ladder(law, noise=0.01, seed=s) for s in seeds]
    try:
        joint = fit_joint(ladders, share=share)
    except FitError as e:   # a draw whose runs pin no law down (a term below the noise): refused, in one line
        assert "\n" not in str(e)
        reject()
    assert joint.objective >= joint.separate_objective * (1 - 1e-9)


def test_sharing_costs_nothing_where_the_ladders_agree():
    """Two copies of one noisy ladder: their separate fits agree, so sharing E (or everything) costs nothing."""
    a = ladder(BASE, noise=0.01, seed=4)
    joint = fit_joint([a, a], share=["E"])
    assert joint.objective == pytest.approx(joint.separate_objective, rel=1e-7)
    everything = fit_joint([a, a], share=["E", "A", "B", "alpha", "beta"])
    assert everything.objective == pytest.approx(2 * everything.separate[0].objective, rel=1e-7)


def test_the_joint_optimum_matches_scipy_on_the_stacked_objective():
    """An independent objective (Huber on log residuals, written here) minimised by scipy's Nelder–Mead then BFGS from
    the truth and from a perturbed start: the joint fit's optimum is as low (rtol 1e-7) and at the same point."""
    from scipy.optimize import minimize

    a, b = ladder(BASE, noise=0.01, seed=5), ladder(VARIANT, noise=0.01, seed=6)
    joint = fit_joint([a, b], share=["E", "alpha"])

    def stacked(p):
        e, al, a1, b1, be1, a2, b2, be2 = p
        total = 0.0
        for (N, D, L), (sa, sb, be) in zip((a, b), ((a1, b1, be1), (a2, b2, be2))):
            pred = np.log(np.exp(sa - al * np.log(N)) + np.exp(sb - be * np.log(D)) + np.exp(e))
            total += _huber(pred - np.log(L)).sum()
        return total

    truth = np.array([np.log(1.8), 0.33, np.log(400), np.log(1500), 0.30, np.log(250), np.log(2500), 0.33])
    best = None
    for start in (truth, truth + 0.05 * np.sign(np.arange(8) % 2 - 0.5)):
        r = minimize(stacked, start, method="Nelder-Mead", options={"maxiter": 40000, "xatol": 1e-10,
                                                                   "fatol": 1e-16})
        r = minimize(stacked, r.x, method="BFGS", options={"gtol": 1e-12})
        best = r if best is None or r.fun < best.fun else best
    assert joint.objective <= best.fun * (1 + 1e-7)
    got = joint.fits
    assert got[0].coefficients["E"] == pytest.approx(np.exp(best.x[0]), rel=1e-3)
    assert got[1].coefficients["alpha"] == pytest.approx(best.x[1], rel=1e-3)
    assert got[1].coefficients["A"] == pytest.approx(np.exp(best.x[5]), rel=1e-2)


def test_the_joint_parameters_count_a_shared_coefficient_once():
    param = Parametrisation.make("parametric", ["alpha=beta"])
    sharing = Sharing.make(param, [20, 20, 20], ["beta"])         # a tied pair is shared if either is named
    assert sharing.n_free == 3 * 3 + 1
    assert len({row[3] for row in sharing.index}) == 1


@pytest.mark.parametrize("share, fix, message", [(["F"], None, "cannot share 'F'"), ([], None, "name the"),
                                                 (["E"], {"E": 1.7}, "E is fixed")])
def test_a_bad_sharing_is_refused_in_one_line(share, fix, message):
    with pytest.raises(FitError, match=message):
        fit_joint([ladder(BASE), ladder(VARIANT)], share=share, fix=fix)


def test_a_ladder_too_small_is_named():
    N, D, L = ladder(BASE)
    with pytest.raises(FitError, match="small: "):
        fit_joint([ladder(BASE), (N[:3], D[:3], L[:3])], share=["E"], names=["big", "small"])


@pytest.fixture(scope="module")
def noisy_joint():
    ladders = [ladder(BASE, noise=0.01, seed=7), ladder(VARIANT, noise=0.01, seed=8)]
    joint = fit_joint(ladders, share=["E"])
    return ladders, joint, bootstrap_joint(joint, ladders, n_resamples=100, seed=0, level=90)


def test_the_joint_bootstrap_keeps_the_shared_coefficient_shared_refit_by_refit(noisy_joint):
    """Row s of each ladder's samples is one joint refit: E is the same in both, and the rows differ between refits."""
    _, joint, boots = noisy_joint
    E = boots[0].names.index("E")
    np.testing.assert_array_equal(boots[0].samples[:, E], boots[1].samples[:, E])
    assert np.std(boots[0].samples[:, E]) > 0
    lo, hi = boots[1].intervals["A"]
    assert lo < joint.fits[1].coefficients["A"] < hi


def test_multipliers_are_the_versus_multipliers_of_the_fitted_laws(noisy_joint):
    _, joint, boots = noisy_joint
    C = [1e20, 1e22]
    m = joint_multipliers(joint, C, boots=boots)
    np.testing.assert_allclose(m.joint[1], compute_multiplier(joint.fits[0].model, joint.fits[1].model, C), rtol=1e-12)
    np.testing.assert_allclose(m.separate[1], compute_multiplier(joint.separate[0].model, joint.separate[1].model, C),
                               rtol=1e-12)
    np.testing.assert_allclose(m.joint[0], 1.0, rtol=1e-12)
    assert (m.low[1] <= m.joint[1]).all() and (m.joint[1] <= m.high[1]).all()


def test_paired_draws_of_one_law_against_itself_give_exactly_one():
    """A law against itself, draw by draw: k = 1 in every pair, so the paired interval is [1, 1]; shuffled pairs of
    independent draws spread around 1."""
    rng = np.random.default_rng(0)
    rows = np.column_stack([1.8 + 0.05 * rng.standard_normal(200), np.exp(np.log(400) + 0.1 * rng.standard_normal(200)),
                            np.full(200, 1500.0), np.full(200, 0.34), np.full(200, 0.30)])
    draws = CoefficientSamples(("E", "A", "B", "alpha", "beta"), rows, "bootstrap", "test draws")
    paired = versus_intervals(BASE, BASE, [1e22], 90, draws, draws, paired=True)
    np.testing.assert_allclose([paired.compute_multiplier_low[0], paired.compute_multiplier_high[0]], 1.0, rtol=1e-9)
    shuffled = versus_intervals(BASE, BASE, [1e22], 90, draws, draws)
    assert shuffled.compute_multiplier_low[0] < 0.9 and shuffled.compute_multiplier_high[0] > 1.1
