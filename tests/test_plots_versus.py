"""``plan plot versus``: both frontiers and k(C) drawn from the same numbers plan versus prints."""

import importlib.util

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.files.presets import load_preset
from planner.planning.versus import versus

from .goldens import assert_one_line_error

needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="the plot extra is not installed: pip install 'planner[plot]'")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@needs_matplotlib
def test_the_figure_draws_the_multiplier_and_both_frontiers():
    from planner.plots.versus import versus_figure

    base, variant = load_preset("hoffmann2022"), load_preset("besiroglu2024")
    C = np.geomspace(1e18, 1e25, 31)
    fig = versus_figure(base, variant, C)
    ax_l, ax_k = fig.axes[:2]
    r = versus(base, variant, C)
    np.testing.assert_allclose(ax_k.lines[0].get_ydata(), r.compute_multiplier, rtol=1e-12)
    np.testing.assert_allclose(ax_l.lines[0].get_ydata(), r.base_loss, rtol=1e-12)
    np.testing.assert_allclose(ax_l.lines[1].get_ydata(), r.variant_loss, rtol=1e-12)
    # the two crossovers (plan versus finds them between 1e19 and 1e21) are marked
    assert len([l for l in ax_k.lines if l.get_linestyle() == "--"]) == len(r.crossovers) == 2


@needs_matplotlib
def test_plot_versus_writes_a_png_with_bands_and_keeps_an_existing_file(tmp_path):
    out = tmp_path / "versus.png"
    r = invoke("plot", "versus", "besiroglu2024", "hoffmann2022", "--ci", "80", "--flops-range", "1e19", "1e23",
               "-o", out)
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "publishes no uncertainty" in r.stderr
    again = invoke("plot", "versus", "besiroglu2024", "hoffmann2022", "-o", out)
    assert again.exit_code == 1 and "--force" in again.stderr


def test_plot_versus_errors_are_one_line(tmp_path):
    assert_one_line_error(invoke("plot", "versus", "hoffmann2022", "nosuch", "-o", tmp_path / "f.png"), 1,
                          "unknown preset 'nosuch'")
    r = invoke("plot", "versus", "hoffmann2022", "besiroglu2024", "-o", tmp_path / "f.jpg")
    assert r.exit_code == 2 and ".png, .svg, .pdf" in r.stderr
