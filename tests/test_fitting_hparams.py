"""plan fit-hparams: near-optimal sets, log-space power laws with bootstrap intervals, recovered from known laws."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner.base.errors import FitError
from planner.cli import cli
from planner.files.hparamfile import load_hparam_law_file
from planner.fitting.hparams import Sweep, fit_hparams
from planner.laws.hparams import suggest_hparams

from .goldens import WIDTH, assert_one_line_error

#: The known law the synthetic sweeps are drawn from: η* = 2·N^−0.7·D^0.3, B* = 0.5·N^0.05·D^0.55 tokens.
TRUTH = {"learning_rate.coefficient": 2.0, "learning_rate.n_params": -0.7, "learning_rate.tokens": 0.3,
         "batch_tokens.coefficient": 0.5, "batch_tokens.n_params": 0.05, "batch_tokens.tokens": 0.55}


def synthetic(seed=1, noise=2e-4, step=0.1):
    """A sweep on a fixed grid of η (ln-step ``step``) and B (ln-step 2·step) at 3 sizes × 3 token counts. The loss
    is L₀(N, D)·(1 + 0.01·ln²(η/η*) + 0.004·ln²(B/B*)) with relative noise: convex in log η and log B around the
    known optimum, as Step Law finds the landscape (Li et al. 2025). The grid is not centred on any optimum."""
    rng = np.random.default_rng(seed)
    cols = [[], [], [], [], []]
    for N in (1e8, 3e8, 1e9):
        for D in (2e9, 1e10, 5e10):
            lr_opt, b_opt = 2.0 * N**-0.7 * D**0.3, 0.5 * N**0.05 * D**0.55
            L0 = 1.7 + 400 * N**-0.34 + 410 * D**-0.28
            lr, b = np.meshgrid(np.exp(np.arange(np.log(3e-4), np.log(2e-2), step)),
                                np.exp(np.arange(np.log(6e4), np.log(3e6), 2 * step)))
            L = L0 * (1 + 0.01 * np.log(lr / lr_opt) ** 2 + 0.004 * np.log(b / b_opt) ** 2) \
                * (1 + noise * rng.standard_normal(lr.shape))
            for c, v in zip(cols, (np.full(lr.size, N), np.full(lr.size, D), lr.ravel(), b.ravel(), L.ravel())):
                c.append(v)
    return Sweep(*[np.concatenate(c) for c in cols])


def test_the_fit_recovers_the_known_law_within_its_intervals():
    """Over 6 noise draws, the 90% bootstrap intervals hold the true coefficient in at least 80% of the 36
    (coefficient, draw) checks, and every point estimate of an exponent is within 0.02 of the truth."""
    inside = 0
    for seed in range(2, 8):
        fit = fit_hparams(synthetic(seed), n_resamples=500, seed=seed)
        inside += sum(fit.intervals[k][0] <= v <= fit.intervals[k][1] for k, v in TRUTH.items())
        (_, lr), (_, bs) = fit.learning_rate, fit.batch_tokens
        assert lr["n_params"] == pytest.approx(-0.7, abs=0.02) and lr["tokens"] == pytest.approx(0.3, abs=0.02)
        assert bs["n_params"] == pytest.approx(0.05, abs=0.02) and bs["tokens"] == pytest.approx(0.55, abs=0.02)
    assert inside >= 0.8 * 36


def test_without_noise_on_a_grid_through_the_optima_the_fit_is_exact():
    """Independent check of the regression: if every (N, D) has exactly one configuration, at its optimum, the
    log-space least squares returns the law itself (to 1e-9)."""
    Ns, Ds = np.meshgrid([1e8, 3e8, 1e9], [2e9, 1e10, 5e10])
    N, D = Ns.ravel(), Ds.ravel()
    s = Sweep(N, D, 2.0 * N**-0.7 * D**0.3, 0.5 * N**0.05 * D**0.55, np.full(N.size, 3.0))
    fit = fit_hparams(s, n_resamples=0)
    assert fit.learning_rate[0] == pytest.approx(2.0, rel=1e-9)
    assert fit.learning_rate[1]["n_params"] == pytest.approx(-0.7, abs=1e-9)
    assert fit.batch_tokens[1]["tokens"] == pytest.approx(0.55, abs=1e-9)


def test_the_near_optimal_set_is_within_the_fraction_of_the_best_loss():
    """Each (N, D) with losses 3.000, 3.005, 3.010, 3.100: within 0.25% of 3.000 (≤ 3.0075) are the first two."""
    points = [(1e8, 1e9), (1e9, 1e9), (1e8, 1e10), (1e9, 1e10)]
    s = Sweep(np.repeat([n for n, _ in points], 4), np.repeat([d for _, d in points], 4),
              np.tile([1e-3, 2e-3, 3e-3, 4e-3], 4), np.full(16, 1e6), np.tile([3.0, 3.005, 3.010, 3.1], 4))
    fit = fit_hparams(s, near=0.0025, n_resamples=0)
    assert all(o["near_optimal"] == 2 and o["loss"] == 3.0 and o["learning_rate"] == 1e-3 for o in fit.optima)


def test_a_sweep_with_one_size_cannot_fit_exponents_in_n():
    s = Sweep(np.full(8, 1e8), np.repeat([1e9, 2e9, 4e9, 8e9], 2), np.tile([1e-3, 2e-3], 4), np.full(8, 1e6),
              np.tile([3.0, 3.1], 4))
    with pytest.raises(FitError, match="2 or more model sizes"):
        fit_hparams(s)


# --- the command ----------------------------------------------------------------------------------------------------

def run(*args):
    return CliRunner().invoke(cli, list(args), env=WIDTH, catch_exceptions=False)


@pytest.fixture(scope="module")
def sweep_csv(tmp_path_factory):
    s = synthetic(step=0.2)
    path = tmp_path_factory.mktemp("sweep") / "sweep.csv"
    rows = ["n_params,tokens,learning_rate,batch_tokens,loss"] + [
        ",".join(repr(float(x)) for x in row)
        for row in zip(s.n_params, s.tokens, s.learning_rate, s.batch_tokens, s.loss)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_json_has_the_issue_keys(sweep_csv):
    doc = json.loads(run("fit-hparams", str(sweep_csv), "--bootstrap", "100", "--format", "json").stdout)
    for name in ("learning_rate", "batch_tokens"):
        assert set(doc[name]["exponents"]) == {"n_params", "tokens"} and doc[name]["coefficient"] > 0
        assert set(doc[name]["intervals"]) == {"coefficient", "n_params", "tokens"}
    assert len(doc["optima"]) == 9 and doc["near_optimal"] == 0.0025


def test_the_written_law_is_accepted_by_the_commands(sweep_csv, tmp_path):
    out = tmp_path / "mine.toml"
    r = run("fit-hparams", str(sweep_csv), "--bootstrap", "100", "-o", str(out))
    assert r.exit_code == 0 and f"Wrote {out}" in r.stderr
    law = load_hparam_law_file(str(out))
    assert law.id == "mine" and len(law.samples) == 100
    s = suggest_hparams(law, 3e8, 1e10)
    assert s.learning_rate_low < s.learning_rate < s.learning_rate_high
    assert s.learning_rate == pytest.approx(2.0 * 3e8**-0.7 * 1e10**0.3, rel=0.1)   # near the known law inside
    row = json.loads(run("hparams", "--params", "300M", "--tokens", "10B", "--hparams", str(out),
                         "--format", "json").stdout)[0]
    assert row["learning_rate_low"] is not None
    assert run("--flops", "1e20", "--hparams", str(out)).exit_code == 0
    assert run("design", "--params", "100M", "--hparams", str(out)).exit_code == 0
    assert run("fit-hparams", str(sweep_csv), "-o", str(out)).exit_code != 0          # never overwrites


def test_other_column_names_by_option(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("N,D,peak,bs,xent\n" + "".join(
        f"{n},{d},{lr},{1e6},{3 + abs(np.log(lr * 1e3))}\n" for n in (1e8, 1e9) for d in (1e9, 1e10)
        for lr in (5e-4, 1e-3, 2e-3)))
    r = run("fit-hparams", str(path), "--n-params-column", "N", "--tokens-column", "D", "--lr-column", "peak",
            "--batch-column", "bs", "--loss-column", "xent", "--bootstrap", "0", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["learning_rate"]["exponents"]["n_params"] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("content, message", [
    ("n_params,tokens,loss\n1e8,1e9,3\n", "no learning_rate column"),
    ("n_params,tokens,lr,batch_tokens,loss\n1e8,1e9,x,1e6,3\n", "expected a number"),
    ("n_params,tokens,lr,batch_tokens,loss\n" + "1e8,1e9,1e-3,1e6,3\n" * 3, "needs at least 4 (N, D) points"),
])
def test_bad_sweeps_are_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert_one_line_error(run("fit-hparams", str(path)), 1, message)
