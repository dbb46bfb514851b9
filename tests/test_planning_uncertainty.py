"""Intervals on plans (planner.planning.uncertainty): where the draws come from, and that the intervals cover."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.base.errors import NoUncertaintyError, PresetError
from planner.laws import ParametricLaw
from planner.planning.plan import compute_optimal
from planner.files.lawfile import law_from_mapping
from planner.files.presets import list_presets, load_preset
from planner.planning.uncertainty import coefficient_samples, has_uncertainty, plan_intervals

TRUE = dict(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
NAMES = ("E", "A", "B", "alpha", "beta")


def law_mapping(coefficients, uncertainty=None):
    data = {"id": "synthetic", "title": "synthetic law", "form": "parametric",
            "citation": {"authors": "Test Author", "year": 2024, "title": "none"},
            "coefficients": dict(coefficients)}
    if uncertainty is not None:
        data["uncertainty"] = uncertainty
    return law_from_mapping(data, source="synthetic.toml")


def to_theta(x):
    """Rows of (E, log A, log B, alpha, beta) → rows of coefficients."""
    x = np.atleast_2d(x)
    return np.column_stack([x[:, 0], np.exp(x[:, 1]), np.exp(x[:, 2]), x[:, 3], x[:, 4]])


# ---------------------------------------------------------------------------------------------------------------------
# coverage


def test_bootstrap_intervals_cover_the_true_plan_at_about_the_stated_rate():
    """Estimates scattered about a known law by a known sampling distribution, each law file carrying
    draws of that distribution about its estimate: the 80% interval holds the true N_opt, D/N and loss
    in about 80% of repetitions (300 repetitions; binomial sd 2.3 points)."""
    rng = np.random.default_rng(7)
    centre = np.array([TRUE["E"], math.log(TRUE["A"]), math.log(TRUE["B"]), TRUE["alpha"], TRUE["beta"]])
    sd = np.array([0.02, 0.08, 0.10, 0.006, 0.006])
    corr = np.array([[1, .3, .2, 0, 0], [.3, 1, .2, .8, 0], [.2, .2, 1, 0, .8], [0, .8, 0, 1, 0], [0, 0, .8, 0, 1]])
    cov = corr * np.outer(sd, sd)
    C = np.array([1e21, 1e24])
    truth = compute_optimal(ParametricLaw(**TRUE), C)
    reps, hits = 300, {"n_params": 0, "tokens_per_param": 0, "loss": 0}
    for _ in range(reps):
        estimate = rng.multivariate_normal(centre, cov)
        samples = to_theta(estimate + rng.multivariate_normal(np.zeros(5), cov, size=400))
        law = law_mapping(dict(zip(NAMES, to_theta(estimate)[0].tolist())),
                          {"sample_names": list(NAMES), "samples": samples.tolist()})
        iv = plan_intervals(law, C, 80)
        for key in hits:
            t = getattr(truth, key)
            hits[key] += np.mean((getattr(iv, f"{key}_lo") <= t) & (t <= getattr(iv, f"{key}_hi")))
    for key, h in hits.items():
        assert 0.72 <= h / reps <= 0.88, (key, h / reps)


#: Besiroglu et al. 2024 (arXiv:2404.10102), bootstrap 95% intervals of their Approach-3 refit (4,000 resamples).
BESIROGLU_INTERVALS = {"A": (285.2, 743.6), "B": (1042.4, 5810.3), "E": (1.769, 1.871), "alpha": (0.317, 0.373),
                       "beta": (0.331, 0.415)}


def test_draws_from_published_intervals_reproduce_them():
    """besiroglu2024's draws have 2.5% and 97.5% quantiles at the published 95% bootstrap intervals
    (Besiroglu et al. 2024, §4: A (285.2, 743.6), B (1042.4, 5810.3), E (1.769, 1.871), α (0.317, 0.373), β (0.331, 0.415)),
    to within 4% (the Monte Carlo error of a tail quantile of 4,000 draws is about 2%)."""
    law = load_preset("besiroglu2024")
    s = coefficient_samples(law)
    published = BESIROGLU_INTERVALS
    for j, name in enumerate(s.names):
        lo, hi = np.percentile(s.values[:, j], [2.5, 97.5])
        want_lo, want_hi = published[name]
        assert lo == pytest.approx(want_lo, rel=0.04) and hi == pytest.approx(want_hi, rel=0.04), (name, lo, hi)


def test_draws_from_standard_errors_have_them():
    """A law with only standard errors: draws of a linear coefficient have that sd; a positive scale
    is drawn in log space with σ_log = se/θ, so it stays positive."""
    law = law_mapping(TRUE, {"standard_errors": {"alpha": 0.02, "B": 1293.23}})
    s = coefficient_samples(law, n_draws=20000)
    assert s.method == "standard-errors"
    alpha = s.values[:, s.names.index("alpha")]
    B = s.values[:, s.names.index("B")]
    assert np.std(alpha) == pytest.approx(0.02, rel=0.03)
    assert np.std(np.log(B)) == pytest.approx(1293.23 / 2100.0, rel=0.03)
    assert (B > 0).all()


def test_a_correlation_in_the_law_file_is_honoured():
    """Draws from intervals follow the file's 'correlation' (normal scores), in any name order."""
    unc = {"interval_level": 95, "intervals": {"alpha": [0.33, 0.37], "A": [400.0, 560.0]},
           "correlation_names": ["A", "alpha"], "correlation": [[1.0, 0.9], [0.9, 1.0]]}
    s = coefficient_samples(law_mapping(TRUE, unc), n_draws=20000)
    x = np.log(s.values[:, s.names.index("A")])
    y = s.values[:, s.names.index("alpha")]
    assert np.corrcoef(x, y)[0, 1] == pytest.approx(0.9, abs=0.03)


def test_draws_are_reproducible():
    """The same law gives the same draws (fixed seed), so the same interval every run."""
    law = load_preset("besiroglu2024")
    assert np.array_equal(coefficient_samples(law).values, coefficient_samples(law).values)


# ---------------------------------------------------------------------------------------------------------------------
# shape and consistency


@pytest.mark.parametrize("law", [law for law in list_presets() if has_uncertainty(law)], ids=lambda law: law.id)
def test_every_preset_with_uncertainty_brackets_its_own_plan(law):
    """For every shipped preset that publishes uncertainty, lo <= point <= hi for N, D, D/N and loss."""
    C = np.logspace(19, 26, 8)
    plan, iv = compute_optimal(law, C), plan_intervals(law, C, 80)
    for key in ("n_params", "n_tokens", "tokens_per_param") + (("loss",) if law.has_loss else ()):
        point, lo, hi = getattr(plan, key), getattr(iv, f"{key}_lo"), getattr(iv, f"{key}_hi")
        assert np.all(lo <= point) and np.all(point <= hi), key
        assert np.all(lo < hi), key


def test_wider_level_gives_wider_interval():
    law = load_preset("besiroglu2024")
    a, b = plan_intervals(law, 1e24, 50), plan_intervals(law, 1e24, 95)
    assert b.n_params_lo < a.n_params_lo < a.n_params_hi < b.n_params_hi


def test_scalar_budget_gives_floats_and_array_gives_arrays_of_its_shape():
    law = load_preset("besiroglu2024")
    one = plan_intervals(law, 1e24, 80)
    assert isinstance(one.n_params_lo, float) and isinstance(one.loss_hi, float)
    many = plan_intervals(law, np.array([[1e21, 1e22], [1e23, 1e24]]), 80)
    assert many.n_params_lo.shape == (2, 2)
    assert many.n_params_lo[1, 1] == pytest.approx(one.n_params_lo, rel=1e-12)


def test_vectorised_budgets_match_one_budget_at_a_time():
    """samples × budgets in one broadcast equals a loop over budgets with the same draws."""
    law = load_preset("besiroglu2024")
    C = [1e19, 1e22, 1e25]
    together = plan_intervals(law, C, 80)
    for i, c in enumerate(C):
        alone = plan_intervals(law, c, 80)
        assert together.n_tokens_hi[i] == pytest.approx(alone.n_tokens_hi, rel=1e-12)
        assert together.loss_lo[i] == pytest.approx(alone.loss_lo, rel=1e-12)


def test_allocation_rule_with_samples_has_no_loss_interval():
    data = {"id": "rule", "title": "rule", "form": "allocation",
            "citation": {"authors": "A", "year": 2024, "title": "t"},
            "coefficients": {"coefficient": 0.29, "exponent": 0.53}, "rule": {"gives": "n_tokens"},
            "uncertainty": {"sample_names": ["exponent"], "samples": [[0.52], [0.53], [0.54]]}}
    iv = plan_intervals(law_from_mapping(data), 1e24, 80)
    assert iv.loss_lo is None and iv.n_tokens_lo < iv.n_tokens_hi


# ---------------------------------------------------------------------------------------------------------------------
# laws without uncertainty, malformed tables


def test_law_without_uncertainty_raises_rather_than_inventing_an_interval():
    with pytest.raises(NoUncertaintyError, match="publishes no uncertainty"):
        plan_intervals(load_preset("hoffmann2022"), 1e24, 80)


@pytest.mark.parametrize("unc, message", [
    ({"sample_names": ["E", "gamma"], "samples": [[1, 2], [1, 2]]}, "'sample_names' must name"),
    ({"sample_names": ["E", "A"], "samples": [[1.8, 400], [1.9]]}, "'samples' must be"),
    ({"sample_names": ["E"], "samples": [[1.8]]}, "at least 2 rows"),
    ({"intervals": {"alpha": [0.4, 0.5]}}, "interval of 'alpha' must be"),
    ({"intervals": {"alpha": [0.3, 0.4]}, "interval_level": 120}, "'interval_level'"),
    ({"intervals": {"alpha": [0.3, 0.4], "beta": [0.3, 0.4]}, "correlation_names": ["alpha", "beta"],
      "correlation": [[1, 2], [2, 1]]}, "positive definite"),
    ({"intervals": {"alpha": [0.3, 0.4]}, "correlation": [[1]]}, "'correlation' must be"),
    ({"standard_errors": {"alpha": "big"}}, "must be a number"),
])
def test_malformed_uncertainty_tables_are_named(unc, message):
    with pytest.raises(PresetError, match=message):
        law_mapping(TRUE, unc)   # validated when the law is read, before any draw


# ---------------------------------------------------------------------------------------------------------------------
# command line


def test_cli_ci_adds_bounds_to_json():
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", "80", "--format", "json"])
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)[0]
    assert row["ci_level"] == 80
    for key in ("n_params", "n_tokens", "tokens_per_param", "loss"):
        assert row[f"{key}_lo"] < row[key] < row[f"{key}_hi"]


def test_cli_ci_table_shows_the_interval_and_how_it_was_made():
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", "80"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())  # the footer wraps at the terminal's width
    # 80 columns: a table still (short headers, each interval under its value), not one record per row.
    lines = r.stdout.splitlines()
    value = next(i for i, line in enumerate(lines) if "95.9B" in line)
    assert "N (80%)" in lines[value - 2] and "(75.0–129B)" in lines[value + 1]
    assert "D/N: tokens per parameter; (80%): each value over its central 80% interval." in out
    assert "80% CI, besiroglu2024: 4000 draws matching besiroglu2024's published 95% intervals" in out


def test_cli_ci_in_markdown_puts_each_interval_beside_its_value():
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", "80", "--format", "markdown"])
    assert r.exit_code == 0, r.output
    assert "| params N (80% CI) |" in r.stdout and "| 95.9B (75.0–129B) |" in r.stdout


def test_cli_compare_with_ci_bounds_the_laws_that_publish_uncertainty():
    r = CliRunner().invoke(cli, ["compare", "--flops", "1e24", "--preset", "epoch,chinchilla,deepseek2024",
                                 "--ci", "80", "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = {row["preset"]: row for row in json.loads(r.stdout)}
    assert rows["besiroglu2024"]["n_params_lo"] < rows["besiroglu2024"]["n_params"] < rows["besiroglu2024"]["n_params_hi"]
    assert rows["hoffmann2022"]["n_params_lo"] is None and rows["deepseek2024"]["loss_hi"] is None
    assert "Warning: no intervals for hoffmann2022, deepseek2024: they publish no uncertainty\n" in r.stderr


def test_cli_ci_is_for_compute_optimal_plans_only():
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--params", "7B", "--ci", "80"])
    assert r.exit_code == 2 and "--ci bounds compute-optimal plans" in r.stderr


def test_cli_ci_on_a_law_without_uncertainty_warns_and_gives_no_interval():
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", "80", "--preset", "chinchilla", "--format", "json"])
    assert r.exit_code == 0
    assert "Warning: law 'hoffmann2022' publishes no uncertainty" in r.stderr
    row = json.loads(r.stdout)[0]
    assert row["n_params_lo"] is None and row["loss_hi"] is None and row["n_params"] > 0


@pytest.mark.parametrize("level", ["0", "100", "abc"])
def test_cli_ci_must_be_a_percentage(level):
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", level])
    assert r.exit_code == 2 and "--ci" in r.stderr


def test_cli_malformed_uncertainty_in_a_law_file_is_one_line(tmp_path):
    src = load_preset("besiroglu2024").source
    from planner.files.presets import preset_source

    text = preset_source(load_preset("besiroglu2024")).replace("alpha = [0.317, 0.373]", "alpha = [0.4, 0.5]")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    r = CliRunner().invoke(cli, ["--flops", "1e24", "--ci", "80", "--law", str(path)])
    assert r.exit_code == 1 and src
    assert r.stderr.startswith("Error: interval of 'alpha' must be") and str(path) in r.stderr


def test_besiroglu2024_draws_keep_its_coefficients_together():
    """besiroglu2024 draws A with α and B with β (correlation from planner's replication of the paper's bootstrap,
    presets/besiroglu2024.toml), so the 80% interval of D/N at 1e24 FLOPs is 9.98–29.7 (computed; the raw
    replicated bootstrap gives 9.60–29.4), not the 0.9–337 of independent draws."""
    law = load_preset("besiroglu2024")
    iv = plan_intervals(law, 1e24, 80)
    assert iv.tokens_per_param_lo == pytest.approx(9.98, rel=0.02)
    assert iv.tokens_per_param_hi == pytest.approx(29.7, rel=0.02)
    s = coefficient_samples(law)
    A, alpha = s.values[:, s.names.index("A")], s.values[:, s.names.index("alpha")]
    assert np.corrcoef(np.log(A), alpha)[0, 1] > 0.99
    assert "replication" in s.note
