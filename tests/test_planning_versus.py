"""planner.planning.versus: the compute multiplier k(C), the speedup, the crossover, and their intervals."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from planner.files.presets import load_preset
from planner.laws import ParametricLaw
from planner.planning import versus as vs
from planner.planning.uncertainty import CoefficientSamples

from .versus_trials import BASE, variant_law

LOSS_PRESETS = ("besiroglu2024", "hoffmann2022", "kaplan2020", "busbridge2025")


def _numeric_frontier(law, C):
    """L_opt(C) by direct minimisation of L(N, C/(kN)) over log N (scipy), independent of the closed forms."""
    from scipy.optimize import minimize_scalar

    k = law.flops_per_param_token
    f = lambda x: law.loss(math.exp(x), C / (k * math.exp(x)))
    x0 = 0.5 * math.log(C / k)
    res = minimize_scalar(f, bounds=(x0 - 25, x0 + 25), method="bounded", options={"xatol": 1e-10})
    return res.fun


def _numeric_multiplier(base, variant, C):
    """k(C) by root-finding C' with L_opt^base(C') = L_opt^var(C) on the numeric frontiers (scipy brentq)."""
    from scipy.optimize import brentq

    target = _numeric_frontier(variant, C)
    g = lambda y: _numeric_frontier(base, math.exp(y)) - target
    return math.exp(brentq(g, math.log(C) - 20, math.log(C) + 20, xtol=1e-12)) / C


@pytest.mark.parametrize("m", [0.5, 2.0, 7.3])
def test_a_variant_built_with_a_known_multiplier_has_that_multiplier_at_every_budget(m):
    """A, B × m^(−γ) keeps N/D and shifts the frontier by m in C (Hoffmann et al. 2022 Eq. 4): k(C) = m."""
    k = vs.compute_multiplier(BASE, variant_law(BASE, m), [1e18, 1e21, 1e24])
    np.testing.assert_allclose(k, m, rtol=1e-9)


@pytest.mark.parametrize("m", [0.5, 3.0])
def test_counting_fewer_flops_per_token_is_the_same_multiplier(m):
    """A variant that needs 1/m of the FLOPs per parameter and token reaches at C what the base reaches at m·C."""
    variant = dataclasses.replace(BASE, flops_per_param_token=BASE.flops_per_param_token / m)
    np.testing.assert_allclose(vs.compute_multiplier(BASE, variant, [1e19, 1e23]), m, rtol=1e-9)


@pytest.mark.parametrize("base_id, variant_id", [("hoffmann2022", "besiroglu2024"), ("besiroglu2024", "kaplan2020"),
                                                 ("busbridge2025", "hoffmann2022")])
@pytest.mark.parametrize("C", [1e19, 1e22])
def test_the_multiplier_matches_an_independent_numerical_solution(base_id, variant_id, C):
    base, variant = load_preset(base_id).model, load_preset(variant_id).model
    k = float(vs.compute_multiplier(base, variant, [C])[0])
    assert k == pytest.approx(_numeric_multiplier(base, variant, C), rel=1e-6)


@pytest.mark.parametrize("preset", LOSS_PRESETS)
def test_a_law_against_itself_is_worth_exactly_its_compute_and_never_crosses(preset):
    law = load_preset(preset)
    r = vs.versus(law, law, [1e18, 1e21, 1e24])
    np.testing.assert_allclose(r.compute_multiplier, 1.0, rtol=1e-9)
    np.testing.assert_array_equal(r.base_loss, r.variant_loss)
    assert r.crossovers == ()


def test_a_variant_below_the_base_floor_is_worth_infinite_base_compute():
    """hoffmann2022's E = 1.69 is below besiroglu2024's E = 1.82: past some budget the base never gets there."""
    base, variant = load_preset("besiroglu2024"), load_preset("hoffmann2022")
    k = vs.compute_multiplier(base, variant, [1e21, 1e30])
    assert math.isfinite(k[0]) and math.isinf(k[1])


def _crossing_pair():
    """Two laws whose frontiers cross: the variant has a lower scale but a flatter exponent."""
    base = ParametricLaw(E=1.8, A=400.0, B=400.0, alpha=0.34, beta=0.34)
    variant = ParametricLaw(E=1.8, A=120.0, B=120.0, alpha=0.28, beta=0.28)
    return base, variant


def test_the_crossover_is_where_the_frontiers_meet_checked_by_an_independent_root():
    from scipy.optimize import brentq

    base, variant = _crossing_pair()
    r = vs.versus(base, variant, [1e15, 1e22])
    (x,) = r.crossovers
    oracle = math.exp(brentq(lambda y: _numeric_frontier(base, math.exp(y)) - _numeric_frontier(variant, math.exp(y)),
                             math.log(1e15), math.log(1e22), xtol=1e-12))
    assert x.flops == pytest.approx(oracle, rel=1e-6)
    # The variant wins below (k > 1) and loses above (k < 1): it "stops winning" there.
    assert x.variant_wins_below
    k = vs.compute_multiplier(base, variant, [x.flops / 10, x.flops * 10])
    assert k[0] > 1 > k[1]
    assert r.compute_multiplier[0] > 1 > r.compute_multiplier[1]


def test_swapping_the_laws_turns_a_stop_into_a_start():
    base, variant = _crossing_pair()
    (a,) = vs.crossovers(base, variant, 1e15, 1e22)
    (b,) = vs.crossovers(variant, base, 1e15, 1e22)
    assert a.flops == pytest.approx(b.flops, rel=1e-9)
    assert a.variant_wins_below and not b.variant_wins_below


def test_no_crossover_outside_the_range_searched():
    base, variant = _crossing_pair()
    (x,) = vs.crossovers(base, variant, 1e15, 1e22)
    assert vs.crossovers(base, variant, 1e15, x.flops / 2) == ()
    assert vs.crossovers(base, variant, 1e21, 1e21) == ()


def test_speedup_is_the_multiplier_times_the_throughput_ratio():
    """marin's effective speedup: (C_needed/tps_base)/(C/tps_var) = k·tps_var/tps_base."""
    r = vs.versus(BASE, variant_law(BASE, 2.0), [1e20], throughput=(433_986.0, 410_000.0))
    assert r.speedup[0] == pytest.approx(2.0 * 410_000 / 433_986, rel=1e-9)


@given(st.floats(0.2, 5.0).filter(lambda m: abs(m - 1) > 1e-6), st.floats(1e17, 1e25))
@settings(max_examples=25, deadline=None)
def test_the_multiplier_exceeds_one_exactly_when_the_variant_has_the_lower_loss(m, C):
    r = vs.versus(BASE, variant_law(BASE, m), [C])
    assert (r.compute_multiplier[0] > 1) == (r.variant_loss[0] < r.base_loss[0])


def _samples(law, spread, n, seed):
    """n draws of a parametric law's A and B scaled together by exp(spread·ε) (only the frontier's scale moves)."""
    rng = np.random.default_rng(seed)
    z = np.exp(spread * rng.standard_normal(n))
    names = ("E", "A", "B", "alpha", "beta")
    values = np.column_stack([np.full(n, law.E), law.A * z, law.B * z, np.full(n, law.alpha), np.full(n, law.beta)])
    return CoefficientSamples(names, values, "test", f"{n} test draws")


def test_intervals_contain_the_true_multiplier_and_exclude_one_when_the_difference_is_clear():
    variant = variant_law(BASE, 2.0)
    iv = vs.versus_intervals(BASE, variant, [1e20], 90, _samples(BASE, 0.01, 400, 1), _samples(variant, 0.01, 400, 2))
    assert iv.compute_multiplier_low[0] < 2.0 < iv.compute_multiplier_high[0]
    assert iv.compute_multiplier_low[0] > 1.0
    assert iv.n_draws == 400


def test_intervals_of_a_law_against_itself_with_independent_draws_contain_one():
    iv = vs.versus_intervals(BASE, BASE, [1e20, 1e23], 90, _samples(BASE, 0.05, 400, 1), _samples(BASE, 0.05, 400, 2))
    assert (iv.compute_multiplier_low < 1.0).all() and (iv.compute_multiplier_high > 1.0).all()


def test_the_interval_of_the_multiplier_is_the_percentile_of_the_paired_draws():
    """Draw s of the base paired with draw π(s) of the variant: with A, B scaled by z_b and z_v,
    k_s = (z_b,s/z_v,π(s))^(1/γ) exactly."""
    n = 300
    zb, zv = _samples(BASE, 0.05, n, 3), _samples(BASE, 0.05, n, 4)
    iv = vs.versus_intervals(BASE, BASE, [1e21], 80, zb, zv)
    gamma = BASE.alpha * BASE.beta / (BASE.alpha + BASE.beta)
    pi = np.random.default_rng(vs._PAIRING_SEED).permutation(n)
    k = (zb.values[:, 1] / zv.values[pi, 1]) ** (1 / gamma)
    lo, hi = np.percentile(k, (10, 90))
    assert iv.compute_multiplier_low[0] == pytest.approx(lo, rel=1e-6)
    assert iv.compute_multiplier_high[0] == pytest.approx(hi, rel=1e-6)


def test_two_bootstraps_of_the_same_rows_are_not_paired_row_by_row():
    """The same draws given for both laws (as two fits bootstrapped with one seed resample the same rows): paired
    row by row every k_s would be 1 and the interval would collapse; shuffled, it reflects both fits' spread."""
    draws = _samples(BASE, 0.05, 400, 5)
    iv = vs.versus_intervals(BASE, BASE, [1e21], 90, draws, draws)
    assert iv.compute_multiplier_high[0] / iv.compute_multiplier_low[0] > 1.5


def test_speedup_intervals_scale_with_the_throughput_ratio():
    variant = variant_law(BASE, 2.0)
    iv = vs.versus_intervals(BASE, variant, [1e20], 90, _samples(BASE, 0.01, 200, 1), _samples(variant, 0.01, 200, 2),
                             throughput=(2.0, 1.0))
    assert iv.speedup_low[0] == pytest.approx(iv.compute_multiplier_low[0] / 2, rel=1e-12)
    assert iv.speedup_high[0] == pytest.approx(iv.compute_multiplier_high[0] / 2, rel=1e-12)


def test_crossover_interval_brackets_the_point_crossover():
    base, variant = _crossing_pair()
    (x,) = vs.crossovers(base, variant, 1e15, 1e22)
    iv = vs.versus_intervals(base, variant, [1e15, 1e22], 90, _samples(base, 0.02, 60, 1),
                             _samples(variant, 0.02, 60, 2))
    assert iv.crossover_share == 1.0
    assert iv.crossover_low < x.flops < iv.crossover_high


def test_a_known_multiplier_is_recovered_within_its_interval_from_fitted_ladders():
    """Issue 23's coverage test at a reduced count: two synthetic ladders (24 runs, 1% noise) whose true multiplier
    is 2, each fitted and bootstrapped on its own; the 90% interval of k at 1e20 contains 2 in at least 4 of 5
    seeded trials (the 100-trial figure is bench/bench_versus_coverage.py's)."""
    from .versus_trials import MULTIPLIER, trial

    hits = sum(lo <= MULTIPLIER <= hi for lo, hi in (trial(seed, n_boot=100)[1:] for seed in range(5)))
    assert hits >= 4


def test_drawn_jointly_names_the_coefficients_a_joint_bootstrap_shares():
    """A shared coefficient is the same float in draw s of both ladders; two bootstraps made apart never are, and a
    coefficient both fix is constant, which says nothing of how the draws were made."""
    rng = np.random.default_rng(0)
    shared, fixed = rng.normal(1.8, 0.05, 40), np.full(40, 0.34)
    base = CoefficientSamples(("E", "A", "alpha"), np.column_stack([shared, rng.normal(480, 50, 40), fixed]), "bootstrap", "")
    variant = CoefficientSamples(("E", "A", "alpha"), np.column_stack([shared, rng.normal(420, 50, 40), fixed]),
                                 "bootstrap", "")
    apart = CoefficientSamples(("E", "A", "alpha"), np.column_stack([rng.permutation(shared), rng.normal(420, 50, 40),
                                                                     fixed]), "bootstrap", "")
    assert vs.drawn_jointly(base, variant) == ("E",)
    assert vs.drawn_jointly(base, apart) == ()
    assert vs.drawn_jointly(base, None) == () and vs.drawn_jointly(None, variant) == ()
    fewer = CoefficientSamples(variant.names, variant.values[:30], "bootstrap", "")
    assert vs.drawn_jointly(base, fewer) == ()
    assert vs.drawn_jointly(base, base) == (), "the same draws twice are one law's, not a joint fit's"


def test_versus_intervals_pair_a_joint_fits_draws_row_by_row_unless_told():
    """The default recognises one joint fit's draws (drawn_jointly) and pairs them as paired=True does; paired=False
    shuffles them as independent bootstraps, which meets one ladder's shared E with another refit's."""
    rng = np.random.default_rng(1)
    E = rng.normal(1.8, 0.05, 60)
    base = CoefficientSamples(("E", "A", "B", "alpha", "beta"), np.column_stack(
        [E, rng.normal(480, 20, 60), rng.normal(2000, 80, 60), np.full(60, 0.34), np.full(60, 0.37)]), "bootstrap", "")
    variant = CoefficientSamples(base.names, np.column_stack([E, base.values[:, 1] * 0.8, *base.values[:, 2:].T]),
                                 "bootstrap", "")
    law = ParametricLaw(E=1.8, A=480, B=2000, alpha=0.34, beta=0.37)
    other = ParametricLaw(E=1.8, A=384, B=2000, alpha=0.34, beta=0.37)
    auto = vs.versus_intervals(law, other, [1e22], 90, base, variant)
    told = vs.versus_intervals(law, other, [1e22], 90, base, variant, paired=True)
    apart = vs.versus_intervals(law, other, [1e22], 90, base, variant, paired=False)
    assert auto.compute_multiplier_low == told.compute_multiplier_low
    assert auto.compute_multiplier_high == told.compute_multiplier_high
    width = lambda iv: float(iv.compute_multiplier_high[0] / iv.compute_multiplier_low[0])
    assert width(apart) > 2 * width(auto)
