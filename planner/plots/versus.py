"""The figure of ``plan plot versus``: two laws' frontiers L_opt(C) and the compute multiplier k(C) of the variant
over the base (:mod:`planner.planning.versus`), with bands from both laws' paired draws where asked."""

from __future__ import annotations

import numpy as np

from ..planning.versus import versus, versus_intervals
from .common import PALETTE, add_caption, apply_style, log_axes, new_figure

__all__ = ["versus_figure"]


def versus_figure(base, variant, flops, level: float | None = None, draws=None):
    """Panel (a): both frontiers against C; panel (b): k(C) with the line k = 1 and the crossovers. ``draws`` is the
    (base, variant) pair of coefficient draws (either may be None) for ``level``% bands; None for no bands.
    Returns a matplotlib Figure."""

    C = np.asarray(flops, dtype=float)
    r = versus(base, variant, C.tolist())
    iv = versus_intervals(base, variant, C.tolist(), level, *draws) if draws is not None and level is not None \
        else None
    with apply_style():
        fig = new_figure(10.5, 4.4)
        ax_l, ax_k = fig.subplots(1, 2)
        for colour, law, key in ((PALETTE[0], base, "base_loss"), (PALETTE[1], variant, "variant_loss")):
            ax_l.plot(C, getattr(r, key), color=colour, label=f"{law.id} ({'base' if law is base else 'variant'})")
            if iv is not None:
                ax_l.fill_between(C, getattr(iv, f"{key}_low"), getattr(iv, f"{key}_high"), color=colour, alpha=0.15,
                                  linewidth=0)
        log_axes(ax_l, "Training compute $C$ (FLOPs, log scale)", "Loss $L_{opt}(C)$ (nats/token)", y_counts=False)
        ax_l.set_yscale("linear")
        ax_l.set_title("(a) Compute-optimal frontiers", loc="left", fontweight="bold")
        ax_l.legend(frameon=False)
        k = np.where(np.isfinite(r.compute_multiplier), r.compute_multiplier, np.nan)
        ax_k.plot(C, k, color=PALETTE[2], label="$k(C)$")
        if iv is not None:
            hi = np.where(np.isfinite(iv.compute_multiplier_high), iv.compute_multiplier_high, np.nan)
            ax_k.fill_between(C, iv.compute_multiplier_low, hi, color=PALETTE[2], alpha=0.2, linewidth=0,
                              label=f"{level:g}% interval")
        ax_k.axhline(1.0, color="#777777", linewidth=0.9, linestyle=":", label="$k = 1$ (no difference)")
        for x in r.crossovers:
            ax_k.axvline(x.flops, color=PALETTE[3], linewidth=0.9, linestyle="--")
        log_axes(ax_k, "Training compute $C$ (FLOPs, log scale)", "Compute multiplier $k(C)$", y_counts=False)
        ax_k.set_title("(b) Base compute to match the variant, over $C$", loc="left", fontweight="bold")
        ax_k.legend(frameon=False)
        for ax in (ax_l, ax_k):
            ax.set_xlim(C[0], C[-1])
        fig.suptitle(f"{variant.id} against {base.id}", x=0.01, ha="left", fontsize=11, fontweight="bold")
        lines = ["k(C): the compute the base needs to reach the variant's loss at C, over C (> 1: the variant is "
                 "worth more than its compute). Both losses on each law's compute-optimal frontier."]
        if r.crossovers:
            lines.append("Dashed: crossovers, where the frontiers meet: "
                         + ", ".join(f"{x.flops:.3g} FLOPs" for x in r.crossovers) + ".")
        if iv is not None:
            lines.append(f"Bands: central {level:g}% intervals over {iv.n_draws} paired draws.")
        add_caption(fig, lines, 150)
    return fig
