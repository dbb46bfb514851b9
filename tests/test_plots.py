"""Figures (planner.plots): written, readable, in the format the suffix asks for, never over a file
without --force; and without matplotlib, one line saying how to install it."""

from __future__ import annotations

import importlib.util
import os
import struct
import subprocess
import sys

import numpy as np
from pathlib import Path
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.base.errors import OutputExistsError, PlotDependencyError

from .goldens import assert_one_line_error

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) in pixels from a PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    return struct.unpack(">II", data[16:24])


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


# ---------------------------------------------------------------------------------------------------------------------
# without matplotlib (runs everywhere)


def test_without_matplotlib_plot_commands_fail_with_one_line_saying_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    out = tmp_path / "f.png"
    r = invoke("plot", "frontier", "-o", str(out))
    assert r.exit_code == 1
    assert r.stderr == "Error: plotting needs matplotlib, which is not installed; install it with: " \
                       "pip install 'scaling-planner[plot]'\n"
    assert not out.exists()
    r = invoke("plot", "isoflop", "-o", str(out))
    assert r.exit_code == 1 and "pip install 'scaling-planner[plot]'" in r.stderr


def test_without_matplotlib_the_library_raises_plot_dependency_error(monkeypatch):
    from planner import plots

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PlotDependencyError, match=r"planner\[plot\]"):
        plots.require_matplotlib()
    assert issubclass(PlotDependencyError, ImportError)


def test_nothing_but_plotting_imports_matplotlib():
    """Planning, with and without --ci, and the plot help never import matplotlib."""
    code = ("import sys; from planner.cli import main\n"
            "for args in (['--flops', '1e21'], ['--flops', '1e21', '--ci', '80'], ['plot', '--help']):\n"
            "    try: main(args)\n"
            "    except SystemExit: pass\n"
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_plain_plan_imports_neither_numpy_nor_matplotlib():
    code = "import sys; from planner.cli import main\ntry: main(['--flops', '1e21'])\nexcept SystemExit: pass\n" \
           "print(sorted(m for m in ('numpy', 'scipy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_unknown_suffix_is_a_bad_parameter(tmp_path):
    r = invoke("plot", "frontier", "-o", str(tmp_path / "f.jpg"))
    assert r.exit_code == 2 and ".png, .svg, .pdf" in r.stderr


# ---------------------------------------------------------------------------------------------------------------------
# with matplotlib (the 'plot' extra)


needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="the plot extra is not installed: pip install 'scaling-planner[plot]'")


@needs_matplotlib
def test_frontier_png_for_two_presets(tmp_path):
    out = tmp_path / "frontier.png"
    r = invoke("plot", "frontier", "--preset", "epoch", "--preset", "chinchilla", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr == f"Wrote {out}\n" and r.stdout == ""
    width, height = png_size(out)
    assert 1500 <= width <= 4000 and 500 <= height <= 2000  # 11.5 × 4.3 in at 200 dpi, trimmed


@needs_matplotlib
def test_svg_and_pdf_by_suffix(tmp_path):
    svg, pdf = tmp_path / "f.svg", tmp_path / "f.pdf"
    assert invoke("plot", "frontier", "--flops-range", "1e20", "1e24", "-o", str(svg)).exit_code == 0
    assert invoke("plot", "isoflop", "--flops", "1e21", "-o", str(pdf)).exit_code == 0
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text
    assert "Besiroglu et al. 2024, arXiv:2404.10102" in text  # the caption cites the source (text kept as text)
    assert pdf.read_bytes()[:5] == b"%PDF-"


@needs_matplotlib
def test_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path):
    out = tmp_path / "f.png"
    out.write_bytes(b"precious")
    r = invoke("plot", "isoflop", "--flops", "1e21", "-o", str(out))
    assert r.exit_code == 1
    assert r.stderr == f"Error: {str(out)!r} already exists; pass --force to overwrite it\n"
    assert out.read_bytes() == b"precious"
    assert invoke("plot", "isoflop", "--flops", "1e21", "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left behind


@needs_matplotlib
def test_figure_gets_the_usual_permissions_not_mkstemps_0600(tmp_path):
    """QA: the atomic writer's temporary file is 0600; renamed into place, a figure was unreadable to the group."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "f.png"
        assert invoke("plot", "isoflop", "--flops", "1e21", "-o", str(out)).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)


@needs_matplotlib
def test_missing_output_folder_or_a_directory_is_one_line(tmp_path):
    r = invoke("plot", "frontier", "-o", str(tmp_path / "nope" / "f.png"))
    assert r.exit_code == 1 and "does not exist" in r.stderr
    (tmp_path / "d.png").mkdir()
    r = invoke("plot", "frontier", "-o", str(tmp_path / "d.png"), "--force")
    assert r.exit_code == 1
    assert r.stderr == f"Error: {str(tmp_path / 'd.png')!r} is a directory; give a file name to write in it\n"


@needs_matplotlib
def test_frontier_flops_range_must_increase(tmp_path):
    r = invoke("plot", "frontier", "--flops-range", "1e24", "1e20", "-o", str(tmp_path / "f.png"))
    assert r.exit_code == 2 and "--flops-range" in r.stderr


@needs_matplotlib
def test_isoflop_png_with_intervals(tmp_path):
    out = tmp_path / "iso.png"
    r = invoke("plot", "isoflop", "--flops", "1e20", "--flops", "1e22", "--ci", "80", "-o", str(out))
    assert r.exit_code == 0, r.output
    width, height = png_size(out)
    assert width > 800 and height > 600


@needs_matplotlib
def test_isoflop_ci_on_a_law_without_uncertainty_warns_and_still_draws(tmp_path):
    out = tmp_path / "iso.svg"
    r = invoke("plot", "isoflop", "--preset", "kaplan2020", "--ci", "80", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("Warning: law 'kaplan2020' publishes no uncertainty, so the plot has no interval\n")
    assert "No interval: kaplan2020 publishes no uncertainty." in out.read_text()


@needs_matplotlib
def test_isoflop_of_an_allocation_rule_says_it_has_no_loss(tmp_path):
    r = invoke("plot", "isoflop", "--preset", "deepseek2024", "-o", str(tmp_path / "iso.png"))
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: 'deepseek2024' is an allocation rule with no loss model")


@needs_matplotlib
def test_unknown_preset_in_plot_is_one_line(tmp_path):
    r = invoke("plot", "frontier", "--preset", "chinchila", "-o", str(tmp_path / "f.png"))
    assert r.exit_code == 1 and "did you mean 'chinchilla'" in r.stderr


@needs_matplotlib
def test_fit_figure_from_arrays_and_a_law(tmp_path):
    """Fit diagnostics take runs as arrays and a law family, so they need no fitting code."""
    from planner.laws import ParametricLaw
    from planner.plots import fit_figure, save_figure

    law = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
    rng = np.random.default_rng(0)
    N = 10 ** rng.uniform(7.5, 10, 60)
    D = 10 ** rng.uniform(9, 11.5, 60)
    L = law.loss(N, D) * np.exp(rng.normal(0, 0.01, 60))
    out = save_figure(fit_figure(N, D, L, law, label="synthetic"), tmp_path / "fit.png")
    width, height = png_size(out)
    assert width > 1000 and height > 500


@needs_matplotlib
def test_save_figure_refuses_an_existing_file(tmp_path):
    from planner.laws import ParametricLaw
    from planner.plots import fit_figure, save_figure

    law = ParametricLaw(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    fig = fit_figure([1e8, 1e9], [1e10, 1e11], [3.0, 2.5], law)
    (tmp_path / "fit.svg").write_text("x")
    with pytest.raises(OutputExistsError):
        save_figure(fig, tmp_path / "fit.svg")


# ---------------------------------------------------------------------------------------------------------------------
# plan plot fit


def synthetic_runs(path, n=40, seed=1):
    """Runs simulated from besiroglu2024's coefficients with 1% noise, as a CSV of N, D and loss."""
    from planner.laws import ParametricLaw

    law = ParametricLaw(E=1.8172, A=482.01, B=2085.43, alpha=0.3478, beta=0.3658)
    rng = np.random.default_rng(seed)
    N = 10 ** rng.uniform(7.5, 10, n)
    D = 10 ** rng.uniform(9, 11.5, n)
    L = law.loss(N, D) * np.exp(rng.normal(0, 0.01, n))
    path.write_text("n_params,n_tokens,loss\n" + "".join(f"{a:.17g},{b:.17g},{c:.17g}\n" for a, b, c in zip(N, D, L)))
    return path


@needs_matplotlib
def test_plot_fit_fits_the_runs_and_draws_the_diagnostics(tmp_path):
    out = tmp_path / "fit.svg"
    r = invoke("plot", "fit", str(synthetic_runs(tmp_path / "runs.csv")), "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Fit diagnostics" in text and "parametric fit to runs.csv" in text and "40 runs" in text


@needs_matplotlib
def test_plot_fit_with_a_preset_diagnoses_it_on_epochs_runs(tmp_path):
    """Besiroglu et al.'s law on the 240 runs it was fitted on (Epoch AI's extraction, tests/reference.py)."""
    from .reference import epoch_runs_csv

    data = epoch_runs_csv()
    out = tmp_path / "fit.png"
    r = invoke("plot", "fit", str(data), "--n-params-column", "Model Size", "--flops-column", "Training FLOP",
               "--drop-highest-loss", "5", "--preset", "epoch", "-o", str(out))
    assert r.exit_code == 0, r.output
    width, height = png_size(out)
    assert width > 1000 and height > 500


def test_plot_fit_without_matplotlib_is_one_line(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    r = invoke("plot", "fit", str(tmp_path / "runs.csv"), "-o", str(tmp_path / "fit.png"))
    assert r.exit_code == 1 and r.stderr.endswith("pip install 'scaling-planner[plot]'\n")


@needs_matplotlib
def test_plot_fit_of_a_missing_runs_file_is_one_line(tmp_path):
    r = invoke("plot", "fit", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "fit.png"))
    assert r.exit_code == 1 and r.stderr.startswith("Error: runs file") and r.stderr.count("\n") == 1


@needs_matplotlib
def test_plot_fit_with_an_allocation_rule_says_it_has_no_loss(tmp_path):
    r = invoke("plot", "fit", str(synthetic_runs(tmp_path / "runs.csv")), "--preset", "llama3", "-o",
               str(tmp_path / "fit.png"))
    assert r.exit_code == 1 and "allocation rule" in r.stderr


@needs_matplotlib
def test_an_interval_that_excludes_its_estimate_still_draws():
    """At a tiny --ci level the percentile interval shrinks to the draws' median, which need not contain the point
    estimate; the bar on the side it excludes has no length (matplotlib refuses negative ones). Found by the fuzz."""
    from planner.plots.common import interval_bar

    assert interval_bar(10.0, 10.5, 11.0) == [[0.0], [1.0]] and interval_bar(10.0, 9.0, 9.5) == [[1.0], [0.0]]
    assert interval_bar(10.0, 8.0, 13.0) == [[2.0], [3.0]]


@needs_matplotlib
def test_isoflop_plot_at_a_tiny_interval_level(tmp_path):
    r = invoke("plot", "isoflop", "--ci", "1e-300", "-o", str(tmp_path / "f.png"))
    assert r.exit_code == 0 and r.exception is None, r.output


@needs_matplotlib
def test_a_figure_near_the_float_limit_is_a_one_line_error(tmp_path):
    """matplotlib's log ticks overflow near 1.8e308 (an OverflowError while drawing): one line, and no file."""
    out = tmp_path / "f.png"
    assert_one_line_error(invoke("plot", "frontier", "--flops-range", "1e10", "1e300", "-o", str(out)), 1,
                          "the figure cannot be drawn: its values reach too near the float limit")
    assert list(tmp_path.iterdir()) == []
    assert invoke("plot", "frontier", "--flops-range", "1e10", "1e250", "-o", str(out)).exit_code == 0


# ---------------------------------------------------------------------------------------------------------------------
# plan plot curve


def _curve_inputs(tmp_path):
    """Runs of one size from Tissue et al.'s law (tests/test_cli_curve.py), the longest logged to 60%."""
    from planner.cli.schedule_option import parse_schedule
    from planner.files.curve_runs import read_curve_runs

    from .test_cli_curve import PEAK, STEP, WARMUP, write_curves

    path = write_curves(tmp_path / "curves.csv", horizons=(1000, 2000, 4000), upto=0.6)
    runs = read_curve_runs(path).runs
    schedule = parse_schedule(f"cosine:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1", horizon=4000 * STEP)
    return path, runs, schedule, STEP


@needs_matplotlib
def test_curve_figure_draws_the_logged_run_the_law_the_prediction_and_the_schedule(tmp_path):
    from matplotlib.collections import PathCollection, PolyCollection

    from planner.fitting.curve_forecast import curve_path, forecast_curve
    from planner.plots import curve_figure

    _, runs, schedule, step = _curve_inputs(tmp_path)
    horizon = 4000 * step
    result = forecast_curve(runs, "r4000", horizon, schedule=schedule, step_tokens=step, methods=("tissue",),
                            backtest=True)
    path = curve_path(runs, "r4000", horizon, method="tissue", step_tokens=step, schedule=schedule)
    run = runs[-1]
    fig = curve_figure(run, runs[:-1], path, result.predictions[0], horizon=horizon)
    ax, ax_lr = fig.axes
    # (a) the logged checkpoints, exactly
    logged = [c for c in ax.collections if isinstance(c, PathCollection)][0]
    assert np.allclose(logged.get_offsets(), np.column_stack([run.tokens, run.loss]))
    # the other runs, one thin line each, through their own checkpoints
    thin = [line for line in ax.lines if line.get_label() == "other runs of its size" or line.get_color() == "#999999"]
    assert len(thin) == 2 and np.allclose(thin[1].get_ydata(), runs[1].loss)
    # the law: solid to the last checkpoint, dashed from it to the horizon, ending at the predicted loss
    solid, dashed = (line for line in ax.lines if "law" in str(line.get_label()))
    assert max(solid.get_xdata()) <= run.end and min(dashed.get_xdata()) >= run.end
    assert max(dashed.get_xdata()) == pytest.approx(horizon)
    p = result.predictions[0]
    assert dashed.get_ydata()[-1] == pytest.approx(p.predicted_loss, rel=1e-9)
    # the band along the extrapolation keeps the interval's relative width, and holds the law's path
    band = [c for c in ax.collections if isinstance(c, PolyCollection)][0]
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(dashed.get_ydata().min() * p.predicted_loss_low / p.predicted_loss, rel=1e-6)
    assert ys.max() == pytest.approx(dashed.get_ydata().max() * p.predicted_loss_high / p.predicted_loss, rel=1e-6)
    # the prediction at the horizon: its marker at (horizon, predicted loss)
    marker = [line for line in ax.lines if line.get_marker() == "o"][0]
    assert marker.get_xdata()[0] == horizon and marker.get_ydata()[0] == pytest.approx(p.predicted_loss)
    # (b) the schedule given to the law, step by step, and the logged rate
    rate_line = ax_lr.lines[0]
    assert np.allclose(rate_line.get_ydata(), path.rates)
    assert rate_line.get_xdata()[-1] == pytest.approx(horizon)
    assert np.allclose(ax_lr.collections[0].get_offsets()[:, 1], run.rates)


@needs_matplotlib
def test_plot_curve_writes_the_figure_and_an_unknown_run_is_one_line(tmp_path):
    from .test_cli_curve import PEAK, STEP, WARMUP

    path, _, _, _ = _curve_inputs(tmp_path)
    out = tmp_path / "curve.svg"
    r = invoke("plot", "curve", str(path), "--horizon", str(4000 * STEP), "--run", "r4000", "--no-backtest",
               "--schedule", f"cosine:peak={PEAK},warmup={WARMUP * STEP:g},final=0.1", "-o", str(out))
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert "Training curve" in text and "r4000" in text and "Learning-rate schedule" in text
    r = invoke("plot", "curve", str(path), "--horizon", str(4000 * STEP), "--run", "nope", "-o", str(out), "--force")
    assert r.exit_code == 2 and "no run 'nope'" in r.output and "Traceback" not in r.output
