"""Figures (issue 15): no label or legend is drawn over the data. Checked on the drawn figure: each legend's and
text's bounding box (matplotlib's ``get_window_extent``) against every line, band and marker of every axes, in
display coordinates, and the legends against every other text (titles, caption)."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")

from planner import plots  # noqa: E402
from planner.files.presets import load_preset  # noqa: E402

BUDGETS = np.geomspace(1e18, 1e26, 200)


def data_paths(ax):
    """Every line, band and marker of ``ax``: display-space paths (with ``filled`` for bands) and marker points."""
    from matplotlib.collections import PathCollection

    paths, points = [], []
    for line in ax.get_lines():
        paths.append((line.get_transform().transform_path(line.get_path()), False))
    for coll in ax.collections:
        if isinstance(coll, PathCollection):  # scatter: markers at offsets
            points.append(coll.get_offset_transform().transform(coll.get_offsets()))
        else:  # bands (fill_between), error bars
            paths += [(coll.get_transform().transform_path(p), True) for p in coll.get_paths()]
    return paths, points


def hits(box, paths, points) -> bool:
    box = box.padded(1)  # one pixel of air
    inside = lambda pts: ((pts[:, 0] >= box.x0) & (pts[:, 0] <= box.x1) &  # noqa: E731
                          (pts[:, 1] >= box.y0) & (pts[:, 1] <= box.y1)).any()
    return any(p.intersects_bbox(box, filled=filled) for p, filled in paths) or any(inside(p) for p in points)


def collisions(fig) -> list[str]:
    """What overlaps what: a legend or an axes text on data, or a legend on a title or the caption."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    found = []
    for ax in fig.axes:
        if not ax.get_lines() and not ax.collections:
            continue  # a colour bar
        paths, points = data_paths(ax)
        for artist in legends + list(ax.texts):
            if hits(artist.get_window_extent(renderer), paths, points):
                found.append(f"{type(artist).__name__} {artist.get_window_extent(renderer)} on data of "
                             f"{ax.get_title(loc='left')!r}")
    texts = [fig._suptitle, fig._supxlabel] + [ax.title for ax in fig.axes] + [ax._left_title for ax in fig.axes]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        found += [f"legend on {t.get_text()[:30]!r}" for t in texts
                  if t is not None and t.get_text() and box.overlaps(t.get_window_extent(renderer))]
    return found


def test_the_check_finds_a_legend_on_data():
    """The oracle itself: a legend put over a line is found."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.legend(loc="center")
    assert collisions(fig)


@pytest.mark.parametrize("presets", [["besiroglu2024"], ["besiroglu2024", "hoffmann2022"],
                                     ["besiroglu2024", "hoffmann2022", "kaplan2020", "llama3-2024", "deepseek2024",
                                      "hoffmann2022-approach1"]])
@pytest.mark.parametrize("level", [80.0, None])
def test_frontier_labels_and_legend_clear_the_curves(presets, level):
    fig = plots.frontier_figure([load_preset(p) for p in presets], BUDGETS, level)
    assert collisions(fig) == []
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert any("20 tokens/param" in t and "Table 3" in t for t in labels), "the reference line is named"
    assert any(list(line.get_ydata()) == [20, 20] for line in fig.axes[2].get_lines()), "and drawn in panel (c)"


@pytest.mark.parametrize("level", [80.0, None])
def test_isoflop_legend_clears_the_curves(level):
    fig = plots.isoflop_figure(load_preset("besiroglu2024"), [1e19, 1e21, 1e23, 1e25], level)
    assert collisions(fig) == []


def test_fit_legend_clears_the_runs():
    rng = np.random.default_rng(0)
    law = load_preset("besiroglu2024").model
    N = np.geomspace(5e7, 2e10, 60)
    D = N * rng.uniform(2, 200, N.size)
    L = law.loss(N, D) * np.exp(rng.normal(0, 0.02, N.size))
    L[::17] *= 1.08  # outliers anywhere, where a legend placed at "best" could land
    assert collisions(plots.fit_figure(N, D, L, law, label="test")) == []
