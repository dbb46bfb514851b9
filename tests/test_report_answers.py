"""planner.report.answers: each question 'plan' and 'plan compare' answer, as a library call without click."""

import subprocess
import sys

import pytest

from planner.report import answers
from planner.compute.hardware import Cluster
from planner.files.presets import load_chip, load_preset


@pytest.fixture(scope="module")
def law():
    return load_preset("besiroglu2024")


@pytest.mark.parametrize("kwargs, title", [
    (dict(flops=(1e21,)), "Compute-optimal plan · besiroglu2024"),
    (dict(flops=(1e21,), n_params=7e9), "What-if N = 7.00B · besiroglu2024"),
    (dict(flops=(1e22,), n_tokens=2e12), "What-if D = 2.00T · besiroglu2024"),
    (dict(n_params=7e9, n_tokens=2e12), "This run vs the compute-optimal run · besiroglu2024"),
    (dict(target_losses=(2.1,)), "Compute for a target loss · besiroglu2024"),
    (dict(flops=(1e22,), max_params=7e9), "Plan under constraints · besiroglu2024 · 1.00e22 FLOPs"),
    (dict(n_params=7e9, n_tokens=1e12, unique_tokens=1e11), "Loss on repeated data · besiroglu2024"),
])
def test_plan_answers_the_question_its_arguments_ask(law, kwargs, title):
    if "unique_tokens" in kwargs:
        from planner.files.presets import repetition_for

        kwargs = dict(kwargs, repetition=repetition_for(law))
    assert answers.plan(law, **kwargs).title == title


def test_a_budget_note_and_a_cluster_end_the_footer(law):
    cluster = Cluster(chip=load_chip("h100"), n_chips=8, mfu=0.4, usd_per_chip_hour=None)
    report = answers.plan(law, (1e21,), cluster=cluster, budget_note="Budget: given.")
    footer = report.footer
    assert footer.index("Budget: given.") < len(footer) - 2 and footer[-2].startswith("Hardware: 8 × ")
    assert "gpu_hours" in report.keys


def test_warnings_come_back_rather_than_printed(law, capsys):
    answer = answers.plan(law, (1e30,), ci=80)
    assert any("extrapolation" in w for w in answer.warnings)
    assert capsys.readouterr() == ("", "")


def test_compare_warns_for_a_law_without_uncertainty_after_the_range_warnings():
    laws = [load_preset("besiroglu2024"), load_preset("chinchilla")]
    answer = answers.compare(laws, (1e30,), ci=80)
    assert "publishes no uncertainty" in answer.warnings[-1]
    assert all("extrapolation" in w for w in answer.warnings[:-1]) and len(answer.warnings) > 1


def test_the_reporting_layer_imports_neither_click_nor_rich():
    code = ("import sys, planner.report.answers, planner.report.plans, planner.report.constraints, "
            "planner.report.compute, planner.report.fit, planner.report.intervals, planner.report.catalogue\n"
            "print(sorted(m for m in ('click', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("kwargs, asked", [
    (dict(flops=[1e21]), "optimal"),
    (dict(flops=[1e21], n_params=7e9), "what-if"),
    (dict(n_params=7e9, n_tokens=2e12), "what-if"),
    (dict(n_params=7e9), "optimal for"),
    (dict(n_tokens=2e12), "optimal for"),
    (dict(target_losses=[2.1]), "least compute"),
    (dict(flops=[1e21], constrained=True), "under constraints"),
    (dict(target_losses=[2.1], constrained=True), "under constraints"),
    (dict(n_params=7e9, n_tokens=2e12, constrained=True), "repeated run"),
])
def test_which_question_plan_answers_is_decided_once(kwargs, asked):
    """The command line validates for, and answers.plan answers, the question answers.question names."""
    from planner.cli.plan_options import Budgets
    from planner.cli.plan import PlanRequest
    from planner.report.answers import question

    assert question(**kwargs) == asked
    request = PlanRequest(budgets=Budgets(flops=tuple(kwargs.get("flops", ()))),
                          n_params=kwargs.get("n_params"), n_tokens=kwargs.get("n_tokens"),
                          targets=tuple(kwargs.get("target_losses", ())),
                          unique_tokens=1e11 if kwargs.get("constrained") else None)
    assert request.question == asked


def test_compare_at_a_target_loss_leaves_out_the_laws_that_cannot_answer_it():
    """Issue 21: the default set holds mixture-of-experts laws, which refuse a target loss (UnansweredError): the
    comparison answers every other law and a warning names each law left out, as it does for allocation rules."""
    from planner.base.errors import UnansweredError
    from planner.files.presets import preset_ids
    from planner.planning.whatif import min_compute_for_loss

    laws = [load_preset(i) for i in preset_ids()]
    refuse = []
    for law in laws:
        try:
            min_compute_for_loss(law, 2.1)
        except UnansweredError:
            refuse.append(law.id)
        except Exception:
            pass
    assert "krajewski2024" in refuse and "besiroglu2024" not in refuse
    report = answers.compare_targets(laws, [2.1])
    shown = {row["preset"] for block in report.blocks for row in block.rows}
    assert shown and not shown & set(refuse)
    assert all(sum(i in w for w in report.warnings if "not in a target-loss comparison" in w) == 1 for i in refuse)


def test_every_compare_row_carries_what_its_flop_rule_needs():
    """Issue 21: MoE rows of 'plan compare --format json' omitted their FLOPs per token and granularity, so their C
    could not be checked from the row. For every shipped preset, C = flops_per_token · D to 1e-9 (relative), and
    flops_per_token is the law's own rule recomputed here from the row's fields: 6·N for a dense law (Kaplan et al.
    2020 §2.1), and for a mixture of experts Eq. 10 of Krajewski et al. 2024 at the row's G,
    (12·d²·c_f + d·E·G·c_r)·n_blocks with d = (64·N/(8E + 4))^(1/3) and n_blocks = d/64 (§6.1, App. E)."""
    import json
    import tomllib

    from click.testing import CliRunner

    from planner.cli import cli
    from planner.files.presets import preset_ids, preset_source

    r = CliRunner().invoke(cli, ["compare", "--flops", "1e21", "--flops", "1e23", "--format", "json"])
    rows = json.loads(r.stdout)
    assert {row["preset"] for row in rows} == set(preset_ids())
    for row in rows:
        law = tomllib.loads(preset_source(load_preset(row["preset"])))
        k = law["conventions"]["flops_per_param_token"]
        N, D, C = row["n_params"], row["n_tokens"], row["flops"]
        if "moe" in law:
            E, c_r, width = law["moe"]["expansion_rate"], law["moe"]["routing_flops"], law["moe"]["width_per_block"]
            d = (width * N / (8 * E + 4)) ** (1 / 3)
            per_token = (12 * d**2 * k + d * E * row["granularity"] * c_r) * d / width
        else:
            assert row["granularity"] is None
            per_token = k * N
        assert row["flops_per_token"] == pytest.approx(per_token, rel=1e-9), row["preset"]
        assert per_token * D == pytest.approx(C, rel=1e-9), row["preset"]
