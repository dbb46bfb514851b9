"""planner.laws.busbridge, planner.laws.distillation and planner.planning.distill: Busbridge et al. 2025 ("Distillation Scaling
Laws", arXiv:2502.08606). Statements of the paper reproduced with Table 6's coefficients, the optimiser checked against
the paper's own method (SLSQP on the constrained problem), and ``plan distill`` on the command line."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings, strategies as st

from planner import compute_optimal, load_preset
from planner.cli import cli
from planner.planning.distill import (SCENARIOS, _best_teacher, compute_optimal_distillation, distill, distillation_flops,
                             supervised_floor, teacher_tokens_for)
from planner.base.errors import InfeasibleError, UnsupportedLawError
from planner.laws import BusbridgeLaw, ParametricLaw

from .goldens import WIDTH, assert_one_line_error


@pytest.fixture(scope="module")
def law():
    return load_preset("busbridge2025")


def test_table_6_coefficients_and_exponents(law):
    """Table 6: supervised A 3355, B 18186, E 1.220, α 0.408, β 0.431, γ 0.452 with a = 0.513, b = 0.486; distillation
    A′ 2243, B′ 24181, α′ 0.321, β′ 0.637, γ′ 0.764, c0 2.549, c1 522.6, f1 0.090, d1 1.315 with a′ = 0.664,
    b′ = 0.335 (a = β/(α+β) from the printed three-decimal α, β is 0.5137: within 1e-3 of the printed a, which the
    paper computes from unrounded coefficients)."""
    m, d = law.model, law.distillation
    assert (m.A, m.B, m.E, m.alpha, m.beta, m.gamma) == (3355.0, 18186.0, 1.220, 0.408, 0.431, 0.452)
    assert (d.A, d.B, d.alpha, d.beta, d.gamma, d.c0, d.c1, d.f1, d.d1) == \
        (2243.0, 24181.0, 0.321, 0.637, 0.764, 2.549, 522.6, 0.090, 1.315)
    assert m.exponents == pytest.approx((0.513, 0.486), abs=1e-3)
    assert d.exponents == pytest.approx((0.664, 0.335), abs=1e-3)
    assert law.uncertainty.interval_level == 90 and law.uncertainty.intervals["gamma"] == (0.442, 0.461)


def test_supervised_law_is_eq_1_and_gamma_1_is_chinchilla(law):
    m = law.model
    N, D = 1.3e9, 2.7e10
    assert m.loss(N, D) == pytest.approx(1.220 + (3355 / N**0.408 + 18186 / D**0.431) ** 0.452, rel=1e-14)
    chinchilla = ParametricLaw(E=1.8, A=400.0, B=1000.0, alpha=0.34, beta=0.36)
    same = BusbridgeLaw(E=1.8, A=400.0, B=1000.0, alpha=0.34, beta=0.36, gamma=1.0)
    for C in (1e19, 1e23):
        assert same.optimum(C) == pytest.approx(chinchilla.optimum(C), rel=1e-13)


@pytest.mark.parametrize("C", [1e18, 1e21, 1e24, 1e27])
def test_supervised_optimum_matches_scipy(law, C):
    """The closed form (Chinchilla's split; L_opt = E + K^γ·x^(−γ₀γ)) against a bounded search on C = 6·N·D."""
    from scipy.optimize import minimize_scalar

    m = law.model
    res = minimize_scalar(lambda t: m.loss(math.exp(t), C / (6 * math.exp(t))), bounds=(math.log(1e3), math.log(C)),
                          method="bounded", options={"xatol": 1e-12, "maxiter": 2000})
    N, D, L = m.optimum(C)
    assert L == pytest.approx(res.fun, rel=1e-12)
    assert N == pytest.approx(math.exp(res.x), rel=1e-5)
    assert m.frontier.loss(C) == pytest.approx(L, rel=1e-12)


def test_eq_8_against_its_direct_form(law):
    """Eq. 8 written out with powers, where nothing overflows, equals planner's log-space evaluation."""
    d = law.distillation
    N, D, L_T = 5e8, 1e10, 2.4
    L_sup = law.model.loss(N, D)
    direct = L_T + L_T ** -d.c0 * (1 + (L_T / (L_sup * d.d1)) ** (1 / d.f1)) ** (-d.c1 * d.f1) * \
        (d.A / N**d.alpha + d.B / D**d.beta) ** d.gamma
    assert d.loss(N, D, L_T, L_sup) == pytest.approx(direct, rel=1e-12)
    assert d.loss(np.array([N, N]), np.array([D, D]), L_T, np.array([L_sup, L_sup])) == pytest.approx([direct] * 2)


def test_the_three_properties_of_section_4_3(law):
    """§4.3: (1) an infinitely capable student models any teacher, L_S → L_T as N_S, D_S → ∞; (2) a random teacher
    gives a random student, L_S → L_T as L_T → ∞; (3) a capacity gap: a better teacher eventually makes the student
    worse (Figure 4: U-shaped in the teacher, here M_T = D_T/N_T = 20 teachers for a 1.82B student with M_S = 20)."""
    d, m = law.distillation, law.model
    L_T = 2.2
    for n in (1e14, 1e18):
        assert d.loss(n, n, L_T, m.loss(n, n)) == pytest.approx(L_T, rel=1e-4)
    assert d.loss(1e9, 2e10, 1e3, m.loss(1e9, 2e10)) == pytest.approx(1e3, rel=1e-6)
    N_S = 1.82e9
    teachers = np.logspace(8, 12.5, 46)
    L_S = d.loss(N_S, 20 * N_S, m.loss(teachers, 20 * teachers), m.loss(N_S, 20 * N_S))
    i = int(np.argmin(L_S))
    assert 0 < i < len(teachers) - 1, "an interior best teacher: too weak on one side, too strong on the other"
    assert np.all(np.diff(L_S[: i + 1]) < 0) and np.all(np.diff(L_S[i:]) > 0)


def test_optimal_teacher_loss_falls_with_student_size(law):
    """§5.2, Figure 7: "For a fixed data budget, as the student size increases, teacher cross-entropy should be
    decreased" (D_S ∈ {250B, 1T, 4T, 16T})."""
    for D_S in (250e9, 1e12, 4e12, 16e12):
        L_T = [_best_teacher(law, law.distillation, N_S, D_S)[0] for N_S in np.logspace(8, 11, 7)]
        assert np.all(np.diff(L_T) < 0)


@pytest.mark.parametrize("N_S", [546e6, 975e6, 1.82e9, 2.72e9, 4.82e9])
def test_distillation_wins_at_modest_tokens_and_loses_given_enough(law, N_S):
    """§5.1, Figure 6 (N_S from 546M, D_S from 1B to 10T): "For a modest token budget, distillation is favorable;
    however, when a large number of tokens are available, supervised learning outperforms distillation" (best case:
    the optimal teacher, at no cost). (The 7.75B student still gains 0.002 nats at 10T here: its crossing is
    beyond the figure's range.)"""
    def gain(D_S):
        L_T, _ = _best_teacher(law, law.distillation, N_S, D_S)
        return law.model.loss(N_S, D_S) - law.distillation.loss(N_S, D_S, L_T, law.model.loss(N_S, D_S))
    assert gain(1e9) > 0.1 and gain(1e11) > 0
    assert gain(1e13) < 0


def test_infinite_data_limit_is_the_supervised_one(law):
    """App. E.6, Figure 40: with the optimal teacher and unlimited distillation data the student's loss is
    "consistent" with supervised learning's L(N, ∞) = E + (A·N^−α)^γ for N from 100M to 100B (within 1% here)."""
    for N_S in np.logspace(8, 11, 7):
        L_T, _ = _best_teacher(law, law.distillation, N_S, 1e22)
        L_S = law.distillation.loss(N_S, 1e22, L_T, law.model.loss(N_S, 1e22))
        assert L_S == pytest.approx(supervised_floor(law, N_S), rel=0.01)


STUDENTS = (3e8, 1e9, 3e9, 1e10)   # the student sizes of Figures 8 and 9


@pytest.mark.parametrize("N_S", STUDENTS)
def test_training_the_teacher_for_one_student_never_pays(law, N_S):
    """§5.3: "When teacher training is included in the compute, the best student cross-entropy is always higher than
    in the supervised setting" (teacher pretraining + inference, Figure 8's students, 1e21 to 1e27 FLOPs). Below
    about 1e20 a 3B or 10B student gets under one token per parameter and the law favours distillation there."""
    for C in np.logspace(21, 27, 13):
        p = compute_optimal_distillation(law, C, N_S, "pretrain+inference")
        assert p.better == "supervised", (C, p.loss_advantage)


def test_supervised_catches_up_later_for_larger_students(law):
    """§5.3: "supervised learning always matches the best case distillation setting at some total compute budget"
    and "the compute transition point ... increases as a function of student size" (1B < 3B < 10B here; the 300M
    student's transition, 6.7e22 FLOPs, comes after the 1B student's, 1.8e22: at these sizes the two losses differ
    by under 0.003 nats over a decade of compute, so the crossing is sensitive to the coefficients)."""
    from scipy.optimize import brentq

    def crossing(N_S):
        f = lambda lc: compute_optimal_distillation(law, 10**lc, N_S, "best").loss_advantage  # noqa: E731
        assert f(19.0) > 0 > f(27.0)
        return brentq(f, 19.0, 27.0, xtol=1e-3)

    points = [crossing(N_S) for N_S in (1e9, 3e9, 1e10)]
    assert points == sorted(points) and points[-1] - points[0] > 1.0


@pytest.mark.parametrize("N_S", STUDENTS)
def test_scenarios_converge_at_large_compute(law, N_S):
    """App. D.4.7: "At high compute, teacher pretraining + inference approaches teacher inference, while teacher
    pretraining approaches best case"; and the loss never improves by counting more of the teacher's cost."""
    p = {s: compute_optimal_distillation(law, 1e27, N_S, s) for s in SCENARIOS}
    assert p["pretrain"].loss == pytest.approx(p["best"].loss, abs=2e-4)
    assert p["pretrain+inference"].loss == pytest.approx(p["inference"].loss, abs=2e-4)
    for C in (1e20, 1e23, 1e27):
        q = {s: compute_optimal_distillation(law, C, N_S, s).loss for s in SCENARIOS}
        assert q["best"] <= min(q["inference"], q["pretrain"]) + 1e-9
        assert max(q["inference"], q["pretrain"]) <= q["pretrain+inference"] + 1e-9


@pytest.mark.parametrize("N_S", STUDENTS)
def test_optimal_configuration_trends_of_figure_9(law, N_S):
    """§5.3, Figure 9 (teacher pretraining + inference): "Student and teacher tokens scale as a power law, with
    student tokens scaling at a faster rate"; the optimal teacher ends "slightly larger than the student" (here 2 to
    5 times) at large compute."""
    lo, hi = (compute_optimal_distillation(law, C, N_S, "pretrain+inference") for C in (1e23, 1e27))
    assert hi.n_tokens / lo.n_tokens > hi.teacher_tokens / lo.teacher_tokens > 1
    for p in (lo, hi) if N_S < 1e10 else (hi,):
        assert 1.0 < p.teacher_params / N_S < 5.0


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_budget_is_spent_exactly(law, scenario):
    """Eq. 9's terms add up to the budget where the scenario counts the teacher (the best case counts only the
    student), and the supervised student gets C/(6·N_S) tokens."""
    C, N_S = 3e22, 2e9
    p = compute_optimal_distillation(law, C, N_S, scenario)
    total = p.student_flops + p.teacher_logit_flops + p.teacher_training_flops
    assert total == pytest.approx(C, rel=1e-9)
    assert p.supervised_tokens == pytest.approx(C / (6 * N_S), rel=1e-15)
    if scenario == "pretrain+inference":
        D_T = teacher_tokens_for(law, p.teacher_params, p.teacher_loss)
        assert law.model.loss(p.teacher_params, D_T) == pytest.approx(p.teacher_loss, rel=1e-10)
        assert distillation_flops(N_S, p.n_tokens, p.teacher_params, D_T, scenario) == pytest.approx(
            (6 * N_S * p.n_tokens, 2 * p.teacher_params * p.n_tokens, 6 * p.teacher_params * D_T))


def _slsqp(law, C, N_S, scenario):
    """The paper's method (§5.3: "constrained numerical minimization using SLSQP"), independent of planner's
    parametrisation: x = (log D_S, log N_T, log D_T) with Eq. 9 = C as an equality, from several starts."""
    from scipy.optimize import minimize

    from planner.base.conventions import DISTILLATION_SCENARIOS

    lgt, pre = DISTILLATION_SCENARIOS[scenario]
    m, d = law.model, law.distillation

    def loss(x):
        D_S, N_T, D_T = np.exp(x)
        return float(d.loss(N_S, D_S, m.loss(N_T, D_T), m.loss(N_S, D_S)))

    def budget(x):
        D_S, N_T, D_T = np.exp(x)
        return math.log(6 * N_S * D_S + lgt * 2 * N_T * D_S + pre * 6 * N_T * D_T) - math.log(C)

    best = None
    for f_T in (0.3, 1.0, 3.0, 10.0):
        for m_T in (20.0, 200.0):
            N_T = f_T * N_S
            D_T = m_T * N_T
            D_S = (C - pre * 6 * N_T * D_T) / (6 * N_S + lgt * 2 * N_T)
            if D_S <= 0:
                continue
            res = minimize(loss, [math.log(D_S), math.log(N_T), math.log(D_T)], method="SLSQP",
                           constraints=[{"type": "eq", "fun": budget}],
                           bounds=[(math.log(1e6), math.log(1e20)), (math.log(1e6), math.log(1e15)),
                                   (math.log(1e6), math.log(1e21))], options={"ftol": 1e-14, "maxiter": 500})
            if res.success and abs(budget(res.x)) < 1e-8 and (best is None or res.fun < best):
                best = res.fun
    return best


@pytest.mark.parametrize("N_S, C", [(3e8, 1e21), (1e9, 1e22), (3e9, 1e24)])
@pytest.mark.parametrize("scenario", ["inference", "pretrain", "pretrain+inference"])
def test_optimum_agrees_with_slsqp(law, N_S, C, scenario):
    oracle = _slsqp(law, C, N_S, scenario)
    ours = compute_optimal_distillation(law, C, N_S, scenario).loss
    assert ours <= oracle + 1e-7
    assert ours == pytest.approx(oracle, abs=2e-4)


@settings(max_examples=40)
@given(log_N_T=st.floats(-1.5, 1.5), share=st.floats(0.01, 0.9), log_excess=st.floats(math.log(1e-4), math.log(1.0)),
       scenario=st.sampled_from(["inference", "pretrain", "pretrain+inference"]))
def test_no_feasible_teacher_beats_the_optimum(law, log_N_T, share, log_excess, scenario):
    """Any teacher of N_T = N_S·e^x, the student's tokens from the budget, does no better. Feasible by construction:
    where the teacher is trained it takes ``share`` of the budget (D_T = share·C/(6·N_T)); where it is not, its loss
    is L(N_T, ∞) + r."""
    from planner.base.conventions import DISTILLATION_SCENARIOS

    lgt, pre = DISTILLATION_SCENARIOS[scenario]
    C, N_S = 1e22, 1e9
    opt = compute_optimal_distillation(law, C, N_S, scenario)
    N_T = N_S * math.exp(log_N_T)
    if pre:
        D_T = share * C / (6 * N_T)
        L_T = law.model.loss(N_T, D_T)
        event("teacher trained on a share of the budget")
    else:
        D_T = 0.0
        L_T = supervised_floor(law, N_T) + math.exp(log_excess)
        event("existing teacher of a chosen loss")
    D_S = (C - pre * 6 * N_T * D_T) / (6 * N_S + lgt * 2 * N_T)
    L_S = law.distillation.loss(N_S, D_S, L_T, law.model.loss(N_S, D_S))
    assert L_S >= opt.loss - 1e-9


def test_distill_by_teacher_size_is_distill_by_its_loss(law):
    by_size = distill(law, 1e9, 2e10, teacher_params=7e9, teacher_tokens=1.4e11)
    by_loss = distill(law, 1e9, 2e10, teacher_loss=law.model.loss(7e9, 1.4e11))
    assert by_size.loss == pytest.approx(by_loss.loss, rel=1e-15)
    assert by_size.supervised_loss == law.model.loss(1e9, 2e10)
    assert by_size.teacher_logit_flops == pytest.approx(2 * 7e9 * 2e10)
    with pytest.raises(InfeasibleError, match=r"at or below the irreducible loss E = 1.22"):
        distill(law, 1e9, 2e10, teacher_loss=1.2)


def test_a_law_without_distillation_is_refused():
    with pytest.raises(UnsupportedLawError, match=r"besiroglu2024 has no distillation law"):
        distill(load_preset("besiroglu2024"), 1e9, 2e10, teacher_loss=2.3)


def test_supervised_preset_runs_under_constraints_and_intervals(law):
    """The supervised law goes through the same machinery as the others: a size cap binds, --ci draws Table 6."""
    from planner.planning.constraints import plan_with_constraints
    from planner.planning.uncertainty import plan_intervals

    result = plan_with_constraints(law, 1e22, max_params=1e9)
    assert result.plans["training-optimal"].n_params == pytest.approx(1e9)
    iv = plan_intervals(law, 1e22, level=80)
    plan = compute_optimal(law, 1e22)
    assert iv.n_params_lo < plan.n_params < iv.n_params_hi


# --------------------------------------------------------------------------------------------------------------------
# plan distill


def run(*args):
    return CliRunner().invoke(cli, ["distill", *args], env=WIDTH)


def test_distill_run_side_by_side():
    result = run("--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3", "--format", "json")
    assert result.exit_code == 0, result.output
    distilled, supervised = json.loads(result.stdout)
    assert (distilled["method"], supervised["method"]) == ("distilled", "supervised")
    law = load_preset("busbridge2025")
    assert supervised["loss"] == pytest.approx(law.model.loss(1e9, 2e10), rel=1e-15)
    assert distilled["loss"] == pytest.approx(law.distillation.loss(1e9, 2e10, 2.3, supervised["loss"]), rel=1e-15)
    assert distilled["loss_advantage"] == pytest.approx(supervised["loss"] - distilled["loss"])


def test_distill_budget_every_scenario_and_supervised():
    result = run("--flops", "1e22", "--student", "1B", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["plan"] for r in rows] == list(SCENARIOS) + ["supervised"]
    best = rows[0]
    assert best["teacher_params"] is None and best["teacher_tokens"] is None
    pi = rows[3]
    assert pi["student_flops"] + pi["teacher_logit_flops"] + pi["teacher_training_flops"] == pytest.approx(1e22)
    assert pi["loss_advantage"] < 0   # supervised wins when the teacher is trained for this one student


def test_distill_one_scenario_in_the_table():
    result = run("--flops", "1e22", "--student", "1B", "--scenario", "pretrain+inference")
    assert result.exit_code == 0
    assert "pretrain+inference" in result.stdout and "supervised" in result.stdout
    assert "Supervised training is better than distilling in: pretrain+inference." in result.stdout


@pytest.mark.parametrize("args, message", [
    (["--student", "1B"], "give --tokens D with a teacher"),
    (["--student", "1B", "--tokens", "20B"], "--tokens needs the teacher: give --teacher-loss"),
    (["--student", "1B", "--tokens", "20B", "--teacher-params", "7B"], "give --teacher-tokens"),
    (["--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3", "--teacher-params", "7B"], "not both"),
    (["--student", "1B", "--tokens", "20B", "--flops", "1e22"], "not both"),
    (["--student", "1B", "--flops", "1e22", "--teacher-loss", "2.3"], "planner chooses the teacher"),
    (["--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3", "--scenario", "best"], "give it with --flops"),
])
def test_distill_usage_errors(args, message):
    assert_one_line_error(run(*args), 2, message)


def test_distill_needs_a_law_with_a_distillation_table():
    assert_one_line_error(run("--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3", "-p", "epoch"), 1,
                          "besiroglu2024 has no distillation law")
    assert_one_line_error(run("--student", "1B", "--tokens", "20B", "--teacher-loss", "1.1"), 1,
                          "at or below the irreducible loss")


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv", "json"])
@pytest.mark.parametrize("args", [["--student", "1B", "--tokens", "20B", "--teacher-loss", "2.3"],
                                  ["--flops", "1e22", "--flops", "1e23", "--student", "1B", "--scenario", "best"]])
def test_distill_renders_in_every_format(args, fmt):
    result = run(*args, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "supervised" in result.stdout
    if fmt == "csv":
        header = result.stdout.splitlines()[0].split(",")
        assert "loss_advantage" in header and "teacher_loss" in header
    if fmt in ("markdown", "latex"):
        assert "Eq. 8" in result.stdout and "2502.08606" in result.stdout


def test_a_teacher_or_student_whose_flops_overflow_is_a_numeric_error_not_inf():
    """Issue 21: a teacher of 1e300 parameters printed "2·N_T·D_S = inf FLOPs" with exit 0."""
    from planner import NumericError

    law = load_preset("busbridge2025")
    with pytest.raises(NumericError, match=r"teacher's logit FLOPs 2·N_T·D_S is not a finite number \(inf\): with "
                                           r"teacher params 1e\+300"):
        distill(law, 1e9, 2e10, teacher_params=1e300, teacher_tokens=1e12)
    with pytest.raises(NumericError, match=r"student's FLOPs 6·N_S·D_S is not a finite number"):
        distill(law, 1e300, 2e10, teacher_loss=2.3)
    run = distill(law, 1e9, 2e10, teacher_params=7e9, teacher_tokens=1.4e11)
    assert run.teacher_logit_flops == pytest.approx(2 * 7e9 * 2e10, rel=1e-12)     # Eq. 9, F(N) = 2N
    assert run.student_flops == pytest.approx(6 * 1e9 * 2e10, rel=1e-12)
