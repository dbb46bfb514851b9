r"""Outliers said out loud: the runs whose residual is far outside the rest, by a robust rule.

After a fit, each run's log-residual r_i = log L_i − log L̂_i is scored by its modified z-score (Iglewicz & Hoaglin
1993, *How to Detect and Handle Outliers*, ASQC Basic References in Quality Control 16, §3.2)::

    M_i = (r_i − median r) / (1.4826 · MAD),    MAD = median |r_i − median r|

(1.4826 = 1/Φ⁻¹(3/4) makes 1.4826·MAD the standard deviation for normal residuals), and a run with |M_i| > 3.5, the
authors' recommended cut, is an outlier. The median and MAD are not moved by the outliers themselves, as a mean and a
standard deviation would be; a Huber fit barely is either, so one pass suffices (refitting and re-scoring would shrink
the MAD and flag more and more runs). On Epoch AI's 245 Chinchilla runs (Besiroglu et al. 2024, arXiv:2404.10102)
the rule names the 5 runs Besiroglu et al. drop, with three more that sit just past the cut.
"""

from __future__ import annotations

from ..base.records import Record, record

__all__ = ["Outliers", "find_outliers", "OUTLIER_Z", "MAD_TO_SIGMA", "MIN_DEGREES_OF_FREEDOM"]

#: Iglewicz & Hoaglin (1993, §3.2): a modified z-score beyond 3.5 marks a potential outlier.
OUTLIER_Z = 3.5
#: planner's choice: the check needs this many residual degrees of freedom (runs minus fitted coefficients); with
#: fewer, the residuals of a law that nearly interpolates its runs have a MAD too small and too noisy to judge by
#: (Gadre et al.'s seven-run ladder flags 3 of its 7 runs at 4 degrees of freedom).
MIN_DEGREES_OF_FREEDOM = 10
#: 1/Φ⁻¹(3/4): the MAD of normal data times this is its standard deviation.
MAD_TO_SIGMA = 1.482602218505602


@record
class Outliers(Record):
    """The outliers of a fit.

    indices : the runs (counting from 0, in the order given to the fit) with |M| > ``threshold``, the largest |M|
        first.  z : their modified z-scores M.  residuals : their log-residuals log L − log L̂.
    centre, scale : median r and 1.4826·MAD of all runs' log-residuals.  threshold : the cut on |M|.
    """

    indices: tuple[int, ...]
    z: tuple[float, ...]
    residuals: tuple[float, ...]
    centre: float
    scale: float
    threshold: float = OUTLIER_Z

    @property
    def rule(self) -> str:
        return (f"|log L − log L̂ − median| > {self.threshold:g} × 1.4826 × MAD of the residuals "
                "(modified z-score, Iglewicz & Hoaglin 1993)")

    def __len__(self) -> int:
        return len(self.indices)


def find_outliers(loss, predicted_loss, threshold: float = OUTLIER_Z, n_coefficients: int = 0) -> Outliers:
    """The runs whose log-residual has |modified z-score| > ``threshold`` (see the module). Where the MAD is 0
    (more than half the runs fitted exactly), or the runs leave fewer than :data:`MIN_DEGREES_OF_FREEDOM` beyond the
    ``n_coefficients`` fitted, no run is named: there is no scale to judge by."""
    import numpy as np

    r = np.log(np.asarray(loss, float)) - np.log(np.asarray(predicted_loss, float))
    centre = float(np.median(r))
    scale = MAD_TO_SIGMA * float(np.median(np.abs(r - centre)))
    if not scale > 0 or len(r) - n_coefficients < MIN_DEGREES_OF_FREEDOM:
        return Outliers((), (), (), centre, scale, threshold)
    z = (r - centre) / scale
    idx = np.flatnonzero(np.abs(z) > threshold)
    idx = idx[np.argsort(-np.abs(z[idx]), kind="stable")]
    return Outliers(tuple(int(i) for i in idx), tuple(float(z[i]) for i in idx), tuple(float(r[i]) for i in idx),
                    centre, scale, threshold)
