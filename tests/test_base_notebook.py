"""Notebooks (issue 15): short reprs, ``to_dict()`` / ``to_records()`` that ``pandas.DataFrame`` takes (tested with
plain dicts: planner does not depend on pandas), and ``_repr_html_`` tables, for Plan, fit results and reports."""

import json
from html.parser import HTMLParser

import numpy as np
import pytest

import planner
from planner.report.answers import plan as plan_report


class Cells(HTMLParser):
    """The text of every <th>/<td>, row by row, and the caption."""

    def __init__(self, html):
        super().__init__()
        self.rows, self.caption, self._in = [], "", None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th", "caption"):
            self._in = tag
            if tag != "caption":
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in:
            self.rows[-1][-1] += data


def frame_like(records):
    """What pandas.DataFrame(records) needs: a list of flat dicts with the same keys, scalar values."""
    assert isinstance(records, list) and records
    assert all(isinstance(r, dict) and list(r) == list(records[0]) for r in records)
    assert all(v is None or isinstance(v, (int, float, str, bool)) for r in records for v in r.values())
    return {k: [r[k] for r in records] for k in records[0]}  # the columns a DataFrame would have


@pytest.fixture(scope="module")
def fitted():
    truth = planner.ParametricLaw(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    N = np.repeat(np.geomspace(5e7, 5e9, 6), 5)
    D = N * np.tile([5.0, 10.0, 20.0, 40.0, 80.0], 6)
    L = truth.loss(N, D) * np.exp(np.random.default_rng(0).normal(0, 0.005, N.size))
    fit = planner.fit_parametric(N, D, L)
    boot = planner.bootstrap(N, D, L, n_resamples=400, seed=42, fit=fit)
    return fit, boot


def test_plan_records_are_one_row_per_budget():
    budgets = np.array([1e21, 1e22, 1e23])
    plan = planner.compute_optimal(planner.load_preset("epoch"), budgets)
    columns = frame_like(plan.to_records())
    assert columns["flops"] == list(budgets) and columns["n_params"] == list(plan.n_params)
    assert columns["loss"] == list(plan.loss)
    d = plan.to_dict()
    assert d["n_tokens"] == list(plan.n_tokens) and json.loads(json.dumps(d)) == d


def test_a_scalar_plan_of_a_rule_has_no_loss():
    plan = planner.compute_optimal(planner.load_preset("llama3"), 1e22)
    [record] = plan.to_records()
    assert record["loss"] is None and record["flops"] == 1e22 and plan.to_dict()["loss"] is None
    from planner.base.units import format_count

    assert repr(plan) == (f"Plan(flops=1.00e22, n_params={format_count(plan.n_params)}, "
                          f"n_tokens={format_count(plan.n_tokens)}, loss=—)")
    assert [r[0] for r in Cells(plan._repr_html_()).rows] == ["flops", "1.00e22"]
    assert "loss" not in Cells(plan._repr_html_()).rows[0]


def test_plan_repr_of_arrays_gives_their_range():
    plan = planner.compute_optimal(planner.load_preset("epoch"), np.array([1e21, 1e23]))
    assert repr(plan).startswith("Plan(flops=2 values, 1.00e21–1.00e23, n_params=2 values, 2.78B–29.4B")
    cells = Cells(plan._repr_html_())
    assert cells.caption == "Plan" and cells.rows[1][:3] == ["1.00e21", "2.78B", "60.0B"] and len(cells.rows) == 3


def test_fit_and_bootstrap_reprs_are_short_and_say_what_was_found(fitted):
    fit, boot = fitted
    assert len(repr(fit)) < 300 and len(repr(boot)) < 300, "not the optima, not the samples"
    assert repr(fit).startswith("FitResult(parametric, 30 runs: E=1.805 ± 0.0177, A=462.87 ± 124.97")
    lo, hi = boot.intervals["alpha"]
    assert f"alpha {lo:.4f}–{hi:.4f}" in repr(boot) and "400 of 400 resamples, seed 42" in repr(boot)
    law = planner.law_from_fit(fit, boot, law_id="mylaw")
    assert len(repr(law)) < 300 and "400 samples" in repr(law.uncertainty)


def test_fit_and_bootstrap_records_and_dicts(fitted):
    fit, boot = fitted
    columns = frame_like(fit.to_records())
    assert columns["coefficient"] == ["E", "A", "B", "alpha", "beta"]
    assert columns["estimate"] == [fit.coefficients[k] for k in columns["coefficient"]]
    b = frame_like(boot.to_records())
    assert b["lo"] == [boot.intervals[k][0] for k in boot.names] and set(b["ci_level"]) == {95.0}
    assert json.loads(json.dumps(fit.to_dict()))["coefficients"] == dict(fit.coefficients)
    d = json.loads(json.dumps(boot.to_dict()))
    assert len(d["samples"]) == len(boot.samples) and d["samples"][0] == list(boot.samples[0])
    assert [r[0] for r in Cells(fit._repr_html_()).rows[1:]] == ["E", "A", "B", "alpha", "beta"]
    assert Cells(boot._repr_html_()).caption == "Bootstrap · 400 of 400 resamples · seed 42"


def test_report_to_dict_and_html_carry_rows_footer_and_caveats():
    report = plan_report(planner.load_preset("epoch"), [1e21, 1e24])
    d = report.to_dict()
    assert d["rows"] == report.to_records() and frame_like(d["rows"])["flops"] == [1e21, 1e24]
    assert d["warnings"] and d["footer"][0].startswith("Law: besiroglu2024")
    html = report._repr_html_()
    cells = Cells(html)
    assert cells.caption == "Compute-optimal plan · besiroglu2024"
    assert cells.rows[0][:2] == ["FLOPs C", "params N"] and cells.rows[2][:2] == ["1.00e24", "95.9B"]
    assert "Caveat: besiroglu2024 was fitted on N" in html and "Chinchilla&#x27;s" in html, "escaped"


def test_report_parts_have_short_reprs_and_no_hash():
    """A report's parts name themselves briefly (not every formatter and row), and those holding dicts say they have
    no hash, as their dicts would."""
    from planner import Block, Column, Report

    column = Column("n_params", "params N", str)
    block = Block(rows=[{"n_params": 1.0}], title="Plans", notes=("a note",))
    report = Report(blocks=(block,), columns=(column,), keys=("n_params",), title="T")
    assert repr(column) == "Column('n_params', 'params N')" and hash(column) == hash(Column("n_params", "params N", str))
    assert repr(block) == "Block('Plans': 1 rows, 1 notes)" and repr(Block(rows=[])) == "Block('untitled': 0 rows)"
    assert repr(report) == "Report('T': 1 rows × 1 keys)"
    for unhashable in (block, report, planner.load_preset("epoch"), planner.load_preset("epoch").uncertainty):
        with pytest.raises(TypeError, match="unhashable"):
            hash(unhashable)
