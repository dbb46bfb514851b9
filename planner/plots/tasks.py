"""Figures of task laws (``plan plot tasks``): benchmark accuracy against compute.
"""

from __future__ import annotations

import numpy as np

from ..base.units import format_count
from .common import add_caption, apply_style, new_figure

__all__ = ["tasks_figure"]


def tasks_figure(laws, tasks, n_params: float | None = None, n_tokens: float | None = None, points=None):
    """The two steps of each task, one row per task, as Bhagia et al. 2024's Figure 2 chains them:
    (left) step 1, task loss against compute C = k·N·D: the ladder's runs, each ladder size's fitted curve over D,
    and the target (N, D) marked; (right) step 2, accuracy against task loss: the ladder's points, the fitted
    step 2, chance, and the target's forecast marked. ``laws`` is the TaskLaws, ``tasks`` its TaskLaw s; ``points``
    maps a task id to ((N, D, L) rows, (L, accuracy) rows) of a ladder, else the file's own points are drawn."""
    points = points or {}

    k = laws.flops_per_param_token
    target = n_params is not None and n_tokens is not None
    with apply_style():
        # matplotlib is optional: imported after require_matplotlib's check
        from matplotlib import colormaps
        from matplotlib.ticker import FuncFormatter

        fig = new_figure(9.5, 2.9 * len(tasks) + 0.9)
        axes = np.atleast_2d(fig.subplots(len(tasks), 2, squeeze=False))
        cmap = colormaps["viridis"]
        for row, task in zip(axes, tasks):
            ax1, ax2 = row
            own1, own2 = points.get(task.id, (task.step1_points, task.step2_points))
            pts = np.asarray(own1, dtype=float).reshape(-1, 3)
            sizes = sorted(set(pts[:, 0])) if len(pts) else sorted(set(task.fitted_range.get("n_params", ())))
            D_range = task.fitted_range.get("n_tokens")
            for j, N in enumerate(sizes):
                colour = cmap(0.1 + 0.75 * j / max(len(sizes) - 1, 1))
                mine = pts[pts[:, 0] == N]
                ax1.scatter(k * mine[:, 0] * mine[:, 1], mine[:, 2], color=colour, s=22, zorder=3,
                            label=f"ladder N = {format_count(N)}")
                lo, hi = D_range if D_range else (mine[:, 1].min(), mine[:, 1].max())
                D = np.geomspace(lo / 1.5, hi * 1.5, 100)
                ax1.plot(k * N * D, task.task_loss(N, D), color=colour, linewidth=1.2)
            if n_params is not None and n_tokens is not None:   # the target run
                L_t = float(task.task_loss(n_params, n_tokens))
                ax1.scatter([k * n_params * n_tokens], [L_t], marker="*", s=120, color="#D55E00", zorder=4,
                            label=f"target N = {format_count(n_params)}, D = {format_count(n_tokens)}")
                D = np.geomspace(n_tokens / 30, n_tokens * 3, 100)
                ax1.plot(k * n_params * D, task.task_loss(n_params, D), color="#D55E00", linewidth=1.0,
                         linestyle=(0, (4, 2)))
            ax1.set_xscale("log")
            ax1.set_xlabel("Training compute $C$ (FLOPs, log scale)")
            ax1.set_ylabel("Task loss")
            ax1.set_title(f"{task.label}: step 1, task loss", loc="left", fontweight="bold")
            ax1.legend(frameon=False, fontsize=7, loc="upper right")

            lo, hi = task.fitted_range.get("task_loss", (None, None))
            p2 = np.asarray(own2, dtype=float).reshape(-1, 2)
            xs = [v for v in (lo, hi) if v] + list(p2[:, 0])
            L_target = float(task.task_loss(n_params, n_tokens)) if target else None
            if L_target is not None:
                xs.append(L_target)
            x0, x1 = (min(xs), max(xs)) if xs else (0.5, 2.0)
            grid = np.linspace(max(x0 - 0.3 * (x1 - x0), 0.0), x1 + 0.1 * (x1 - x0), 200)
            ax2.plot(grid, task.accuracy(grid), color="#0072B2", linewidth=1.6, label=f"step 2 ({task.accuracy_law.form})")
            if len(p2):
                ax2.scatter(p2[:, 0], p2[:, 1], color="#555555", s=16 if len(p2) < 100 else 3, zorder=3,
                            label="ladder runs (final)" if len(p2) < 100 else "ladder checkpoints (smoothed)")
            ax2.axhline(task.chance, color="#999999", linestyle=":", linewidth=0.9, label=f"chance {task.chance:.2f}")
            if L_target is not None:
                acc = float(task.accuracy(L_target))
                ax2.scatter([L_target], [acc], marker="*", s=120, color="#D55E00", zorder=4,
                            label=f"target: {100 * acc:.1f}%")
            ax2.set_xlabel("Task loss")
            ax2.set_ylabel("Accuracy" if task.metric == "accuracy" else "Accuracy = 1 − top-1 error")
            ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:g}%"))
            ax2.set_title(f"{task.label}: step 2, accuracy", loc="left", fontweight="bold")
            ax2.legend(frameon=False, fontsize=7, loc="upper right")
        fig.suptitle(f"Benchmark accuracy from scale, in two steps · {laws.id}", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        lines = [f"Sources: {laws.short_citation} ({laws.id}). Step 1: task loss L(N, D) = E + A/N^α + B/D^β, curves "
                 f"over D for each ladder size; step 2: accuracy at that loss. N counts {laws.parameters} parameters; "
                 f"C = {k:g}·N·D."]
        if target:
            lines.append("Star: the target run's forecast (step 1, then step 2 at its task loss).")
        add_caption(fig, lines, 150)
    return fig
