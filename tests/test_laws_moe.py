"""planner.laws.moe and the MoE presets: Krajewski, Ludziejewski et al. 2024 ("Scaling Laws for Fine-Grained Mixture
of Experts", arXiv:2402.07871) reproduced from the paper's own tables, the numeric optimum against scipy, and the
command line for a mixture of experts (active vs total parameters, refusals in one line)."""

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import event, given, settings, strategies as st

from planner import compute_optimal, load_preset
from planner.cli import cli
from planner.base.errors import PresetError, UnsupportedLawError
from planner.laws import FineGrainedMoE, ParametricLaw

from .goldens import WIDTH, assert_one_line_error
from .strategies import log10_flops

#: Krajewski et al. 2024, Table 2 (E = 64): N as "E × N_act" (§5's notation), D, G, FLOPs, loss.
TABLE_2 = [
    (100e6, 4.37e9, 8, 2.95e18, 3.133),
    (1e9, 28.94e9, 16, 1.93e20, 2.491),
    (3e9, 72.90e9, 16, 1.41e21, 2.245),
    (7e9, 137.60e9, 32, 6.46e21, 2.076),
    (70e9, 941.07e9, 32, 4.16e23, 1.694),
    (300e9, 2.96e12, 64, 5.69e24, 1.503),
    (1e12, 7.94e12, 64, 4.97e25, 1.367),
]


@pytest.fixture(scope="module")
def moe():
    return load_preset("krajewski2024")


def test_presets_carry_table_1_and_table_8():
    """Table 1 (MoE row, E = 64) and Table 8 (E = 16) coefficients, as printed."""
    m = load_preset("krajewski2024").model
    assert (m.a, m.alpha, m.b, m.beta, m.g, m.gamma, m.c, m.expansion_rate) == \
        (18.1, 0.115, 30.8, 0.147, 2.1, 0.58, 0.47, 64.0)
    m16 = load_preset("krajewski2024-e16").model
    assert (m16.a, m16.alpha, m16.b, m16.beta, m16.g, m16.gamma, m16.c, m16.expansion_rate) == \
        (19.64, 0.124, 57.07, 0.169, 1.18, 0.986, 0.472, 16.0)
    assert (m.flops_per_param_token, m.routing_flops, m.width_per_block) == (6.0, 14.0, 64.0)   # App. E, §6.1


def test_shape_assumption_and_parameter_counts(moe):
    """§6.1: N = d_model²·(8E + 4)·n_blocks with d_model = 64·n_blocks; N_active = 12·d_model²·n_blocks."""
    m = moe.model
    d = 1024.0
    n_blocks = d / 64.0
    N = d**2 * (8 * 64 + 4) * n_blocks
    assert m.d_model(N) == pytest.approx(d, rel=1e-12)
    assert m.n_blocks(N) == pytest.approx(n_blocks, rel=1e-12)
    assert m.active_params(N) == pytest.approx(12 * d**2 * n_blocks, rel=1e-12)
    assert m.active_params(N) == pytest.approx(N / 43, rel=1e-12)   # 516 / 12 = 43 for E = 64


@pytest.mark.parametrize("n_act, D, G, F, _loss", TABLE_2)
def test_eq10_flops_reproduce_table_2_budgets(moe, n_act, D, G, F, _loss):
    """Eq. 10 with c_f = 6, c_r = 14 at Table 2's own N_act, D and G gives its FLOPs column (printed to 3 figures:
    within 1%). Independent of the optimiser: only the FLOPs formula and the shape assumption."""
    m = moe.model
    N = n_act * (8 * 64 + 4) / 12   # "64 x N_act": N_act active, N = N_act·(8E + 4)/12 total
    d = (64 * N / 516) ** (1 / 3)
    by_hand = (12 * d**2 * 6 + d * 64 * G * 14) * (d / 64) * D
    assert m.training_flops(N, D, G) == pytest.approx(by_hand, rel=1e-12)
    assert m.training_flops(N, D, G) == pytest.approx(F, rel=0.01)


@pytest.mark.parametrize("n_act, D, G, F, loss", TABLE_2)
def test_compute_optimum_reproduces_table_2(moe, n_act, D, G, F, loss):
    """Table 2's compute-optimal rows at their own budgets: the same G, N_active and D within 3%, and a loss a
    little lower than printed (0 < printed − ours < 0.03): Table 1's coefficients are rounded to 2-3 figures, and
    our losses come out 0.011-0.024 below the paper's."""
    plan = compute_optimal(moe, F)
    assert plan.granularity == G
    assert plan.n_active_params == pytest.approx(n_act, rel=0.03)
    assert plan.n_tokens == pytest.approx(D, rel=0.03)
    assert 0.0 < loss - plan.loss < 0.03
    assert plan.flops_per_token * plan.n_tokens == pytest.approx(F, rel=1e-12)


def _scipy_optimum(model, C):
    """Independent oracle: for each G, scipy's bounded Brent search over log N of L(N, C/F(N, G), G)."""
    from scipy.optimize import minimize_scalar

    best = None
    for G in model.granularities:
        def f(t):
            N = math.exp(t)
            return float(model.loss(N, C / model.flops_per_token(N, G), G))
        lo, hi = math.log(1e3), math.log(C)
        grid = np.linspace(lo, hi, 200)
        i = int(np.argmin([f(t) for t in grid]))
        res = minimize_scalar(f, bounds=(grid[max(i - 1, 0)], grid[min(i + 1, 199)]), method="bounded",
                              options={"xatol": 1e-11})
        if best is None or res.fun < best[0]:
            best = (res.fun, math.exp(res.x), G)
    return best


@pytest.mark.parametrize("preset", ["krajewski2024", "krajewski2024-e16"])
@pytest.mark.parametrize("C", [1e17, 3e19, 1e22, 5e24, 1e27])
def test_optimum_matches_scipy(preset, C):
    model = load_preset(preset).model
    loss, N, G = _scipy_optimum(model, C)
    opt = model.search(C)
    assert opt.granularity == G
    assert opt.loss == pytest.approx(loss, rel=1e-10)
    assert opt.n_params == pytest.approx(N, rel=1e-4)


@settings(max_examples=60)
@given(log10_C=log10_flops, step=st.floats(-0.2, 0.2).filter(lambda x: abs(x) > 1e-3),
       other_g=st.sampled_from((1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)))
def test_no_feasible_perturbation_beats_the_optimum(log10_C, step, other_g):
    """Moving N by a factor e^step (D from the budget) or switching G never lowers the loss at the same F = C."""
    model = load_preset("krajewski2024").model
    C = 10.0**log10_C
    opt = model.search(C)
    event(f"optimal G = {opt.granularity:g}")
    for G in (opt.granularity, other_g):
        N = opt.n_params * math.exp(step)
        D = C / model.flops_per_token(N, G)
        assert model.loss(N, D, G) >= opt.loss - 1e-12


@pytest.mark.parametrize("preset", ["krajewski2024", "krajewski2024-e16"])
def test_larger_budgets_prefer_finer_experts(preset):
    """§6.2/Table 2 and App. D: "larger compute budgets imply larger optimal values of G"; Table 2's G = 8 at
    2.95e18 rises to 64 by 5.69e24. And G = 1 is "not optimal at almost any computational budget" (abstract)."""
    G = compute_optimal(load_preset(preset), np.logspace(18, 26, 33)).granularity
    assert np.all(np.diff(G) >= 0) and G[-1] > G[0]
    assert np.all(G > 1)


def test_moe_beats_a_dense_transformer_at_every_budget(moe):
    """§1 and §6.3: MoE "can always be considered more efficient than dense Transformers"; a compute-optimal MoE at
    1e20 FLOPs matches a dense model with "a 20× greater computing budget", "the compute savings rising steadily".
    Dense: Table 1's dense row in Eq. 1, C = 6·N·D. planner finds 21× at 1e20 (the paper's 20 has one figure: within
    ±25%) rising with C; the paper's "exceeding 40× when budget of 1e25 FLOPs is surpassed" is not reproduced by the
    rounded coefficients (32× at 1e25)."""
    dense = ParametricLaw(E=0.47, A=16.3, B=26.7, alpha=0.126, beta=0.127)
    f = dense.frontier
    budgets = np.logspace(18, 26, 9)
    moe_loss = compute_optimal(moe, budgets).loss
    assert np.all(moe_loss < dense.optimal_loss(budgets))
    savings = (f.K / (moe_loss - f.E)) ** (1 / f.gamma) / budgets   # dense compute for the MoE's loss, over C
    assert np.all(np.diff(savings) > 0)
    assert savings[2] == pytest.approx(20.0, rel=0.25)


def test_warns_when_the_optimum_sits_at_the_largest_granularity(moe):
    from planner.report import answers

    assert not any("largest granularity" in w for w in answers.optimal_plans(moe, [1e21]).warnings)
    assert any("largest granularity searched, G = 128" in w for w in answers.optimal_plans(moe, [1e29]).warnings)


# --------------------------------------------------------------------------------------------------------------------
# law files


def _moe_file(tmp_path, moe_table='[moe]\nexpansion_rate = 64.0', extra=""):
    text = "\n".join(['id = "mymoe"', 'title = "t"', 'form = "moe"', '[citation]', 'authors = "Me"', 'year = 2025',
                      'title = "t"', '[coefficients]', 'a = 18.1', 'alpha = 0.115', 'b = 30.8', 'beta = 0.147',
                      'g = 2.1', 'gamma = 0.58', 'c = 0.47', moe_table, extra]) + "\n"
    p = tmp_path / "moe.toml"
    p.write_text(text)
    return p


def test_a_moe_law_file_loads(tmp_path):
    law = load_preset(_moe_file(tmp_path, "[moe]\nexpansion_rate = 16.0\ngranularities = [1, 4, 2]"))
    assert isinstance(law.model, FineGrainedMoE) and law.routed
    assert law.model.expansion_rate == 16.0 and law.model.granularities == (1.0, 2.0, 4.0)


@pytest.mark.parametrize("moe_table, extra, message", [
    ("", "", r"missing key 'expansion_rate' in \[moe\] of .*moe\.toml"),
    ("[moe]\nexpansion_rate = 0.5", "", r"'expansion_rate' must be >= 1"),
    ("[moe]\nexpansion_rate = 64.0\ngranularities = [0.5, 2]", "", r"'granularities' must be distinct numbers >= 1"),
    ("[moe]\nexpansion_rate = 64.0\ngranularity = [1, 2]", "", r"unknown key 'granularity' in \[moe\].*did you mean 'granularities'"),
    ("[moe]\nexpansion_rate = 64.0", "[uncertainty]\nstandard_errors = { a = 1.0 }", r"\[uncertainty\] is not supported for form 'moe'"),
    ("[moe]\nexpansion_rate = 64.0", "[distillation]\nA = 1.0", r"\[distillation\] needs a parametric or busbridge law"),
])
def test_bad_moe_law_files_name_the_problem(tmp_path, moe_table, extra, message):
    with pytest.raises(PresetError, match=message):
        load_preset(_moe_file(tmp_path, moe_table, extra))


def test_moe_table_is_only_for_moe_laws(tmp_path):
    p = tmp_path / "law.toml"
    p.write_text('id = "x"\ntitle = "t"\nform = "parametric"\n[citation]\nauthors = "Me"\nyear = 2025\ntitle = "t"\n'
                 '[coefficients]\nE = 1.8\nA = 400.0\nB = 1000.0\nalpha = 0.34\nbeta = 0.36\n[moe]\nexpansion_rate = 8.0\n')
    with pytest.raises(PresetError, match=r"\[moe\] is only for form 'moe'"):
        load_preset(p)


def test_c_may_be_zero_but_not_negative(moe):
    assert moe.with_coefficients(c=0.0).model.c == 0.0
    with pytest.raises(PresetError, match=r"'c' must be >= 0"):
        moe.with_coefficients(c=-0.1)


# --------------------------------------------------------------------------------------------------------------------
# the command line: active vs total, cost, refusals


def run(*args):
    return CliRunner().invoke(cli, list(args), env=WIDTH)


def test_plan_json_has_total_and_active_parameters():
    result = run("--flops", "2.95e18", "-p", "krajewski2024", "--format", "json")
    assert result.exit_code == 0
    (row,) = json.loads(result.stdout)
    for key in ("n_params", "n_active_params", "granularity", "n_tokens", "flops_per_token", "loss"):
        assert key in row
    assert row["granularity"] == 8.0
    assert row["n_params"] == pytest.approx(row["n_active_params"] * 516 / 12, rel=1e-12)
    assert row["flops_per_token"] * row["n_tokens"] == pytest.approx(2.95e18, rel=1e-12)


def test_plan_table_shows_active_parameters_and_the_convention():
    result = run("--flops", "1e21", "-p", "krajewski2024")
    assert result.exit_code == 0
    for text in ("total N", "active N", "FLOPs/token", "Eq. 10", "6·N_active·D plus routing"):
        assert text in result.stdout


def test_cost_counts_active_parameters_and_routing():
    """Hardware time comes from the law's own FLOPs (Eq. 10: 6·N_active·D plus routing), not 6·N·D on total N."""
    result = run("--flops", "1e23", "-p", "krajewski2024", "--gpu", "h800", "--mfu", "0.4", "--format", "json")
    (row,) = json.loads(result.stdout)
    hours = 1e23 / (989.4e12 * 0.4) / 3600
    assert row["gpu_hours"] == pytest.approx(hours, rel=1e-12)
    six_n_total = 6 * row["n_params"] * row["n_tokens"]
    six_n_active = 6 * row["n_active_params"] * row["n_tokens"]
    assert six_n_active < 1e23 < 1.1 * six_n_active and six_n_total > 40 * 1e23


@pytest.mark.parametrize("args, message", [
    (["--flops", "1e21", "--shape"], "--shape builds dense transformer shapes"),
    (["--flops", "1e21", "--params", "7B"], "a what-if (--params) is not available for krajewski2024"),
    (["--flops", "1e21", "--tokens", "1T"], "a what-if (--tokens) is not available"),
    (["--params", "7B", "--tokens", "1T"], "an exact run (--params with --tokens) is not available"),
    (["--target-loss", "2.0"], "a target loss (--target-loss) is not available"),
    (["--flops", "1e21", "--max-params", "1B"], "planning under constraints"),
    (["design", "--flops", "1e20"], "an isoFLOP design"),
])
def test_questions_a_moe_law_cannot_answer_are_one_line_errors(args, message):
    assert_one_line_error(run(*args, "-p", "krajewski2024"), 1, message)


def test_core_refuses_dense_questions(moe):
    from planner.planning.whatif import plan_with_params

    with pytest.raises(UnsupportedLawError, match="mixture-of-experts"):
        plan_with_params(moe, 1e21, 7e9)


def test_compare_shows_active_parameters_for_every_law():
    result = run("compare", "--flops", "1e21", "-p", "krajewski2024,besiroglu2024", "--format", "json")
    rows = json.loads(result.stdout)
    moe_row, dense_row = rows
    assert moe_row["n_active_params"] < moe_row["n_params"] / 40
    assert dense_row["n_active_params"] == dense_row["n_params"]


@pytest.mark.parametrize("args, message", [
    (["plot", "isoflop", "-p", "krajewski2024"], "an isoFLOP profile (D = C/(k·N) at one granularity) is not available"),
    (["plot", "fit", "RUNS", "-p", "krajewski2024"], "a fit diagnostic (runs of one N each) is not available"),
])
def test_plots_of_one_n_refuse_a_moe_law(tmp_path, args, message):
    pytest.importorskip("matplotlib")
    runs = tmp_path / "runs.csv"
    runs.write_text("n_params,tokens,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,8e9,2.7\n8e8,1.6e10,2.5\n1.6e9,3.2e10,2.4\n")
    args = [str(runs) if a == "RUNS" else a for a in args] + ["-o", str(tmp_path / "x.png")]
    assert_one_line_error(run(*args), 1, message)


@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "csv", "json"])
def test_moe_plan_renders_in_every_format(fmt):
    result = run("--flops", "1e21", "--flops", "1e23", "-p", "krajewski2024", "--format", fmt)
    assert result.exit_code == 0
    if fmt == "csv":
        assert result.stdout.splitlines()[0] == ("preset,flops,n_params,n_active_params,granularity,n_tokens,"
                                                 "tokens_per_param,flops_per_token,loss")
    else:
        assert "2402.07871" in result.stdout or fmt == "json"
