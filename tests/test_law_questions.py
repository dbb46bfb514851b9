"""The oracle over every shipped preset (so every family): each question a law answers about itself round-trips, each
closed form agrees with an independent numerical solution written here (scipy's brentq and minimize_scalar on the
law's loss alone), and a plan under constraints that is asked for a target loss reaches it under the law itself.

A family either answers a question or refuses it with UnansweredError (NoLossModelError for a rule without a loss);
which presets refuse what is stated here, so a family that silently stops answering fails too.
"""

import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from planner.base.errors import NoLossModelError, UnansweredError
from planner.files.presets import list_presets, repetition_for
from planner.planning.constraints import plan_with_constraints
from planner.planning.plan import compute_optimal

LAWS = list_presets()
IDS = [law.id for law in LAWS]
#: Presets whose family has no loss model (allocation rules): every loss question is refused.
NO_LOSS = {"deepseek2024", "hoffmann2022-approach1", "hoffmann2022-approach2", "kaplan2020-frontier", "llama3-2024",
           "llama3-2024-printed"}
#: Mixtures of experts: they answer their optimum, and refuse the questions planned on k·N·D with one N.
MOE = {"krajewski2024", "krajewski2024-e16"}
DENSE_LOSS = [law for law in LAWS if law.id not in NO_LOSS | MOE]
BUDGETS = [1e19, 1e21, 1e24]
RTOL = 1e-9


def test_the_oracle_covers_every_preset_and_family():
    assert {law.id for law in LAWS} == {law.id for law in DENSE_LOSS} | NO_LOSS | MOE
    assert {law.form for law in DENSE_LOSS} == {"parametric", "kaplan", "busbridge"}
    assert {law.form for law in LAWS} == {"parametric", "kaplan", "busbridge", "moe", "allocation"}


@pytest.mark.parametrize("law", LAWS, ids=IDS)
@pytest.mark.parametrize("C", BUDGETS)
def test_a_plan_spends_its_budget_under_the_laws_own_flop_rule(law, C):
    """C → plan → C: the compute-optimal plan costs C under the family's FLOP rule (k·N·D, or a mixture of experts'
    FLOPs per token × D with its granularity)."""
    plan = compute_optimal(law, C)
    if law.id in MOE:
        with pytest.raises(UnansweredError):
            law.model.training_flops(plan.n_params, plan.n_tokens)
        spent = law.model.training_flops(plan.n_params, plan.n_tokens, plan.granularity)
    else:
        spent = law.model.training_flops(plan.n_params, plan.n_tokens)
    assert spent == pytest.approx(C, rel=RTOL)


def _numeric_tokens(law, N, ell):
    """D with L(N, D) = ℓ by brentq on log D (L decreases in D)."""
    return math.exp(brentq(lambda t: law.model.loss(N, math.exp(t)) - ell, math.log(1.0), math.log(1e40),
                           xtol=1e-13, rtol=1e-14))


def _numeric_params(law, D, ell):
    return math.exp(brentq(lambda t: law.model.loss(math.exp(t), D) - ell, math.log(1.0), math.log(1e40),
                           xtol=1e-13, rtol=1e-14))


def _numeric_optimal_loss(law, C):
    """min over N of L(N, C/(kN)): minimize_scalar in log N over the whole feasible line."""
    k = law.flops_per_param_token
    res = minimize_scalar(lambda t: law.model.loss(math.exp(t), C / (k * math.exp(t))),
                          bounds=(0.0, math.log(C / k)), method="bounded", options={"xatol": 1e-11, "maxiter": 3000})
    return float(res.fun)


@pytest.mark.parametrize("law", DENSE_LOSS, ids=[law.id for law in DENSE_LOSS])
@pytest.mark.parametrize("C", BUDGETS)
def test_inverses_round_trip_and_match_a_numerical_root(law, C):
    """ℓ → D → ℓ and ℓ → N → ℓ at a run off the optimum, and D(N, ℓ), N(D, ℓ) equal brentq's roots of L = ℓ."""
    m = law.model
    N0, D0 = m.compute_optimal(C)
    for N, D in ((N0, D0), (N0 / 3.0, D0 * 5.0), (N0 * 4.0, D0 / 2.0)):
        ell = float(m.loss(N, D))
        D_back = float(m.tokens_for_loss(N, ell))
        N_back = float(m.params_for_loss(D, ell))
        assert D_back == pytest.approx(D, rel=1e-7)
        assert N_back == pytest.approx(N, rel=1e-7)
        assert float(m.loss(N, D_back)) == pytest.approx(ell, rel=RTOL)
        assert float(m.loss(N_back, D)) == pytest.approx(ell, rel=RTOL)
        assert D_back == pytest.approx(_numeric_tokens(law, N, ell), rel=1e-7)
        assert N_back == pytest.approx(_numeric_params(law, D, ell), rel=1e-7)
    # Below what N parameters reach on unlimited data there is no D: inf, not a number that misses the loss.
    floor_N = float(m.loss(N0, math.inf))
    assert math.isinf(float(m.tokens_for_loss(N0, floor_N * (1 - 1e-6))))


@pytest.mark.parametrize("law", DENSE_LOSS, ids=[law.id for law in DENSE_LOSS])
@pytest.mark.parametrize("C", BUDGETS)
def test_least_compute_and_optimal_loss_round_trip_and_match_a_numerical_optimum(law, C):
    """C → L_opt(C) → C_min(L_opt) = C, L_opt(C) is the numerical minimum of L on the budget line, and the reducible
    loss is L − E."""
    m = law.model
    ell = float(m.optimal_loss(C))
    assert ell == pytest.approx(_numeric_optimal_loss(law, C), rel=1e-9)
    assert float(m.least_compute(ell)) == pytest.approx(C, rel=1e-7)
    N, D = m.compute_optimal(C)
    assert float(m.reducible(N, D)) == pytest.approx(float(m.loss(N, D)) - m.irreducible, rel=1e-9)
    # At or below E no compute reaches the loss: nan (min_compute_for_loss turns it into UnreachableLossError).
    assert math.isnan(float(m.least_compute(m.irreducible)))
    assert math.isnan(float(m.least_compute(np.array([m.irreducible]))[0]))
    # The budget at which N_opt (or D_opt) is optimal is C again.
    assert float(m.flops_for_params(N)) == pytest.approx(C, rel=1e-9)
    assert float(m.flops_for_tokens(D)) == pytest.approx(C, rel=1e-9)


@pytest.mark.parametrize("law", [law for law in DENSE_LOSS if law.form == "parametric"],
                         ids=[law.id for law in DENSE_LOSS if law.form == "parametric"])
@pytest.mark.parametrize("U", [1e9, 1e11])
def test_repeated_data_is_a_law_whose_inverses_round_trip(law, U):
    """L_U on U unique tokens (Muennighoff et al. 2023, §3): ℓ → D → ℓ and ℓ → N → ℓ under L_U itself."""
    lm = law.model.on_unique_data(U, repetition_for(law))
    N = float(law.model.compute_optimal(1e21)[0])
    for D in (U / 2, 4 * U, 30 * U):
        ell = float(lm.loss(N, D))
        assert float(lm.loss(N, float(lm.tokens_for_loss(N, ell)))) == pytest.approx(ell, rel=1e-9)
        assert float(lm.loss(float(lm.params_for_loss(D, ell)), D)) == pytest.approx(ell, rel=1e-9)
    # Repeats saturate: no D reaches a loss below L_U(N, ∞).
    assert math.isinf(float(lm.tokens_for_loss(N, float(lm.loss(N, math.inf)) * (1 - 1e-6))))


@pytest.mark.parametrize("law", DENSE_LOSS, ids=[law.id for law in DENSE_LOSS])
def test_a_constrained_plan_for_a_target_loss_reaches_it(law):
    """Every plan of a target-loss problem (size cap, inference demand) has the target loss under the law's own
    L(N, D), evaluated here from the family, not from the plan's own loss field."""
    ell = float(law.model.optimal_loss(1e22))
    N_opt = float(law.model.compute_optimal(1e22)[0])
    r = plan_with_constraints(law, target_loss=ell * 1.02, max_params=N_opt * 2, inference_tokens=1e13)
    assert set(r.plans) == {"compute-optimal", "training-optimal", "inference-aware"}
    for name, p in r.plans.items():
        assert float(law.model.loss(p.n_params, p.n_tokens)) == pytest.approx(ell * 1.02, rel=1e-7), name
        assert p.flops == pytest.approx(law.model.training_flops(p.n_params, p.n_tokens), rel=RTOL)


@pytest.mark.parametrize("law", DENSE_LOSS, ids=[law.id for law in DENSE_LOSS])
def test_an_inference_aware_plan_reaches_the_loss_of_the_training_optimum(law):
    """With a budget and inference demand, the inference-aware plan trains a smaller model to the same loss."""
    r = plan_with_constraints(law, 1e22, inference_tokens=1e13)
    train, aware = r.training_optimal, r.inference_aware
    L_train = float(law.model.loss(train.n_params, train.n_tokens))
    assert float(law.model.loss(aware.n_params, aware.n_tokens)) == pytest.approx(L_train, rel=1e-7)
    assert aware.n_params < train.n_params


@pytest.mark.parametrize("law", [law for law in LAWS if law.id in MOE], ids=sorted(MOE))
def test_a_mixture_of_experts_refuses_the_questions_planned_on_one_n(law):
    m = law.model
    for ask in (lambda: m.tokens_for_loss(1e9, 2.5), lambda: m.params_for_loss(1e10, 2.5),
                lambda: m.least_compute(2.5), lambda: m.flops_for_params(1e9), lambda: m.tokens_for_flops(1e9, 1e21),
                lambda: m.on_unique_data(1e10)):
        with pytest.raises(UnansweredError, match="mixture-of-experts"):
            ask()


@pytest.mark.parametrize("law", [law for law in LAWS if law.id in NO_LOSS], ids=sorted(NO_LOSS))
def test_an_allocation_rule_refuses_loss_questions(law):
    with pytest.raises(NoLossModelError):
        plan_with_constraints(law, 1e21, max_params=1e9)
    assert compute_optimal(law, 1e21).loss is None


def test_refusals_name_the_question_in_arguments_and_the_cli_in_flags():
    """The core speaks of the Python call; the command line's table words the same refusal with its flags."""
    from planner.cli.errors import message
    from planner.files.presets import load_preset
    from planner.planning.whatif import plan_with_params

    with pytest.raises(UnansweredError) as e:
        plan_with_params(load_preset("krajewski2024"), 1e21, 7e9)
    assert str(e.value).startswith("a what-if (plan_with_params) is not available for krajewski2024")
    assert "--" not in str(e.value)
    assert message(e.value).startswith("a what-if (--params) is not available for krajewski2024")
    assert message(e.value).endswith("with --flops")


def test_core_errors_name_arguments_and_the_cli_names_flags():
    """A size cap that leaves no plan: the core names max_params, the command line --max-params (one table)."""
    from planner.base.errors import InfeasibleError
    from planner.cli.errors import message
    from planner.files.presets import load_preset

    with pytest.raises(InfeasibleError) as e:
        plan_with_constraints(load_preset("besiroglu2024"), 1e22, max_params=1e6, max_tokens=1e6)
    assert "raise max_params or max_tokens" in str(e.value) and "--" not in str(e.value)
    assert message(e.value).endswith("raise --max-params or --max-tokens")


#: marin's promotion envelope, loss(C) = 1.6 + 88.32·C^(−0.0941) (marin-community/marin, experiments/grug/moe/agent.md).
MARIN = {"E": 1.6, "A": 88.32, "alpha": 0.0941}


@pytest.mark.parametrize("C", BUDGETS)
def test_an_envelope_answers_loss_against_compute_and_matches_a_numerical_root(C):
    """An envelope (no preset ships one) answers L_opt(C) and C_min(ℓ) from its curve: C_min is checked against
    brentq on E + A·C^(−α) = ℓ written here, on log C."""
    from planner.laws import EnvelopeLaw

    m = EnvelopeLaw(**MARIN)
    ell = float(m.optimal_loss(C))
    assert ell == pytest.approx(MARIN["E"] + MARIN["A"] * C ** -MARIN["alpha"], rel=RTOL)
    root = math.exp(brentq(lambda x: MARIN["E"] + MARIN["A"] * math.exp(-MARIN["alpha"] * x) - ell,
                           math.log(1e10), math.log(1e40), xtol=1e-14, rtol=1e-15))
    assert float(m.least_compute(ell)) == pytest.approx(root, rel=1e-9)
    assert math.isnan(float(m.least_compute(MARIN["E"])))          # at the asymptote: never reached
    assert float(m.loss(1e9, C / 6e9)) == pytest.approx(ell, rel=RTOL)   # a run's loss reads its compute alone


def test_an_envelope_refuses_every_question_that_needs_n_and_d():
    from planner.cli.errors import message
    from planner.laws import EnvelopeLaw
    from planner.laws.law import Law
    from planner.planning.whatif import evaluate, plan_with_params

    m = EnvelopeLaw(**MARIN)
    for ask in (lambda: m.compute_optimal(1e21), lambda: m.optimum(1e21), lambda: m.flops_for_params(1e9),
                lambda: m.tokens_for_loss(1e9, 2.5), lambda: m.params_for_loss(1e10, 2.5),
                lambda: m.on_unique_data(1e10)):
        with pytest.raises(UnansweredError):
            ask()
    law = Law(id="marin", title="marin's envelope", model=m, citation={})
    with pytest.raises(UnansweredError) as e:
        evaluate(law, 1e9, 1e11)
    assert str(e.value).startswith("an exact run (evaluate) is not available for marin, a "
                                   "loss-against-compute envelope")
    assert message(e.value).endswith("compare it with 'plan versus'")
    with pytest.raises(UnansweredError, match="a what-if .* is not available for marin"):
        plan_with_params(law, 1e21, 1e9)


@pytest.mark.parametrize("C", BUDGETS)
def test_an_envelope_plans_the_loss_at_a_budget_and_gives_no_split(C):
    """A plan of an envelope is its loss at C, E + A·C^(−α) written here, with N and D not given (not a number), and a
    target loss its least compute (A/(ℓ − E))^(1/α) written here."""
    from planner.laws import EnvelopeLaw
    from planner.laws.law import Law
    from planner.planning.whatif import min_compute_for_loss

    law = Law(id="marin", title="marin's envelope", model=EnvelopeLaw(**MARIN), citation={})
    plan = compute_optimal(law, C)
    assert plan.loss == pytest.approx(MARIN["E"] + MARIN["A"] * C ** -MARIN["alpha"], rel=RTOL)
    assert math.isnan(plan.n_params) and math.isnan(plan.n_tokens)
    target = min_compute_for_loss(law, 2.5)
    assert target.flops == pytest.approx((MARIN["A"] / (2.5 - MARIN["E"])) ** (1 / MARIN["alpha"]), rel=RTOL)
    assert math.isnan(target.n_params)
