"""Everyday research ergonomics (issue 15): each command takes what its siblings take, reports go to files, warnings
travel with pasted output, and completion works. Through click's CliRunner unless the feature is an API."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.presets import load_preset
from tests.goldens import assert_one_line_error

ENV = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}


def invoke(*args, env=ENV, **kwargs):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, **kwargs)


@pytest.fixture
def law_file(tmp_path):
    """A copy of besiroglu2024's law file under another id, as a user's own law would be."""
    text = invoke("presets", "show", "epoch").stdout.replace('id = "besiroglu2024"', 'id = "mylaw"')
    path = tmp_path / "mylaw.toml"
    path.write_text(text)
    return path


# --------------------------------------------------------------------------------------------------------------------
# siblings take what their siblings take


def test_compare_takes_law_files_beside_presets(law_file):
    r = invoke("compare", "--flops", "1e21", "-p", "epoch,kaplan2020", "--law", law_file, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["preset"] for row in rows] == ["besiroglu2024", "kaplan2020", "mylaw"]
    assert rows[2]["n_params"] == rows[0]["n_params"]  # the same coefficients under another id


def test_compare_with_one_law_twice_keeps_it_once(law_file):
    r = invoke("compare", "--flops", "1e21", "-p", "epoch", "-p", "besiroglu2024", "--law", law_file, "--law",
               law_file, "--format", "json")
    assert [row["preset"] for row in json.loads(r.stdout)] == ["besiroglu2024", "mylaw"]


def test_compare_refuses_two_laws_of_one_id(tmp_path):
    other = tmp_path / "copy.toml"
    other.write_text(invoke("presets", "show", "epoch").stdout)
    assert_one_line_error(invoke("compare", "--flops", "1e21", "-p", "epoch", "--law", other), 2,
                          "two laws have the id 'besiroglu2024'")


def test_compare_with_a_missing_law_file_is_one_line(tmp_path):
    assert_one_line_error(invoke("compare", "--flops", "1e21", "--law", tmp_path / "nope.toml"), 1, "not found")


def test_plot_frontier_takes_a_comma_separated_list_as_compare_does(tmp_path, law_file):
    pytest.importorskip("matplotlib")
    out = tmp_path / "f.png"
    r = invoke("plot", "frontier", "-p", "epoch,chinchilla", "--law", law_file, "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_frontier_names_an_unknown_preset_of_a_list(tmp_path):
    pytest.importorskip("matplotlib")
    assert_one_line_error(invoke("plot", "frontier", "-p", "epoch,chinchila", "-o", tmp_path / "f.png"), 1,
                          "unknown preset 'chinchila'")


def test_design_takes_a_flops_range():
    r = invoke("design", "--flops-range", "1e18", "1e20", "--points", "3", "--models", "3", "--format", "json")
    assert r.exit_code == 0, r.output
    budgets = sorted({row["flops"] for row in json.loads(r.stdout)})
    assert budgets == pytest.approx([1e18, 1e19, 1e20], rel=1e-12)
    both = invoke("design", "--flops", "1e17", "--flops-range", "1e18", "1e19", "--points", "2", "--format", "json")
    assert sorted({row["flops"] for row in json.loads(both.stdout)}) == pytest.approx([1e17, 1e18, 1e19])


def test_design_without_budgets_is_a_usage_error():
    assert_one_line_error(invoke("design"), 2, "give the grid's budgets")
