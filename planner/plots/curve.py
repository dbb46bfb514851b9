"""``plan plot curve``: a run's loss curve, the curve law fitted to it, the predicted final loss with its band, and
the learning-rate schedule beneath."""

from __future__ import annotations

from typing import Sequence

from ..base.units import format_count, format_tick
from .common import PALETTE, add_caption, apply_style, interval_bar, new_figure

__all__ = ["curve_figure"]


def curve_figure(run, others: Sequence, path, prediction, *, horizon: float, caption: str = ""):
    """Two panels sharing the tokens axis: (a) the observed checkpoints of ``run`` (a RunCurve) and the other runs of
    its size in ``others`` (thin), ``path`` (a :class:`~planner.fitting.curve_forecast.CurvePath`: solid over the
    logged part, dashed beyond), and ``prediction`` (a Prediction of the same method, or None) at ``horizon`` with its
    interval, the band along the extrapolation keeping the interval's relative width; (b) the learning rate the law
    was given, step by step, and the logged rate where there is one."""
    import numpy as np

    with apply_style():
        from matplotlib.ticker import FuncFormatter

        fig = new_figure(7.5, 6.0)
        ax, ax_lr = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.2))
        for i, other in enumerate(others):
            ax.plot(other.tokens, other.loss, color="#999999", linewidth=0.8,
                    label="other runs of its size" if i == 0 else None)
        ax.scatter(run.tokens, run.loss, s=7, color=PALETTE[0], zorder=3, label=f"{run.run} (logged)")
        logged = path.tokens <= run.end
        ax.plot(path.tokens[logged], path.loss[logged], color=PALETTE[1], label=f"{path.method} law (fitted)")
        ahead = path.tokens >= run.end
        ax.plot(path.tokens[ahead], path.loss[ahead], color=PALETTE[1], linestyle=(0, (4, 2)),
                label=f"{path.method} law (predicted)")
        if prediction is not None:
            p = prediction.predicted_loss
            lo, hi = prediction.predicted_loss_low, prediction.predicted_loss_high
            if np.isfinite(lo) and np.isfinite(hi):
                ax.fill_between(path.tokens[ahead], path.loss[ahead] * lo / p, path.loss[ahead] * hi / p,
                                color=PALETTE[1], alpha=0.18, linewidth=0, label="interval (its width at the horizon)")
                ax.errorbar([horizon], [p], yerr=interval_bar(p, lo, hi), fmt="o", color="black", markersize=4,
                            capsize=3, label=f"predicted final loss {p:.4f} [{lo:.4f}, {hi:.4f}]")
            else:
                ax.scatter([horizon], [p], color="black", s=16, zorder=4, label=f"predicted final loss {p:.4f}")
        ax.axvline(horizon, color="#666666", linewidth=0.8, linestyle=":")
        ax.set_ylabel("Loss (nats/token)")
        ax.set_title(f"(a) Loss of {run.run} to {format_count(horizon)} tokens", loc="left", fontweight="bold")
        ax.legend(frameon=False, loc="upper right", fontsize=7)
        steps = np.arange(len(path.rates)) * path.step_tokens
        ax_lr.plot(steps, path.rates, color=PALETTE[2], linewidth=1.2, label="schedule given to the law")
        if run.rates is not None:
            ax_lr.scatter(run.tokens, run.rates, s=5, color=PALETTE[0], zorder=3, label="logged")
        ax_lr.axvline(horizon, color="#666666", linewidth=0.8, linestyle=":")
        ax_lr.set_ylabel("Learning rate")
        ax_lr.set_xlabel("Tokens so far")
        ax_lr.set_title("(b) Learning-rate schedule", loc="left", fontweight="bold")
        ax_lr.legend(frameon=False, loc="upper right", fontsize=7)
        ax_lr.xaxis.set_major_formatter(FuncFormatter(format_tick))
        fig.suptitle(f"Training curve · {run.run} · {path.method}", x=0.01, ha="left", fontsize=11,
                     fontweight="bold")
        add_caption(fig, [f"Fitted on: {', '.join(path.fitted)}.", caption], 120)
    return fig
