"""Mode statistics of the 2-D benchmarks: the ring of 8 and the grid of 25 Gaussians.

The two toy benchmarks of VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018); their
names are `ganlib.data.TOY_DATASETS`. `mode_statistics` gives the benchmark's three numbers
(modes captured, share of high-quality samples, reverse KL). Explained in chapter 05; the fixes
of chapter 06 are measured with them.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist
from scipy.special import rel_entr

from ganlib import data

#: A sample is of high quality when it lies within this many standard deviations of its nearest mode.
HIGH_QUALITY_STDS = 3.0


def benchmark_modes(dataset: str) -> tuple[np.ndarray, float]:
    """The mode centres, shape ``(num_modes, 2)``, and the standard deviation of ``dataset`` ("ring" or "grid")."""
    if dataset == "ring":
        return data.ring_modes(), data.RING_STD
    if dataset == "grid":
        return data.grid_modes(), data.GRID_STD
    raise ValueError(f"dataset must be one of {data.TOY_DATASETS}; got {dataset!r}")


def _check_points(samples) -> np.ndarray:
    samples = np.asarray(samples)
    if not np.issubdtype(samples.dtype, np.number):
        raise ValueError(f"samples must be numbers; got dtype {samples.dtype}")
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(
            f"samples must be 2-D points, shape (num_samples, 2) with num_samples >= 1; got {samples.shape}"
        )
    return samples.astype(np.float64)


def mode_histogram(samples, dataset: str = "ring") -> np.ndarray:
    """How many *high-quality* samples fall to each mode, shape ``(num_modes,)``.

    A sample belongs to its nearest mode; it is of high quality when it lies within
    ``HIGH_QUALITY_STDS`` (3) standard deviations of that mode (0.03 on the ring, 0.15 on the
    grid). Samples that are not finite (a diverged forger's NaN) are never of high quality.
    Explained in chapter 05.
    """
    centres, std = benchmark_modes(dataset)
    samples = _check_points(samples)
    finite = np.all(np.isfinite(samples), axis=1)
    points = np.where(finite[:, None], samples, 0.0)
    distances = cdist(points, centres.astype(np.float64))
    nearest = np.argmin(distances, axis=1)
    high_quality = finite & (np.min(distances, axis=1) <= HIGH_QUALITY_STDS * std)
    return np.bincount(nearest[high_quality], minlength=len(centres))


def mode_statistics(samples, dataset: str = "ring") -> dict:
    """The benchmark's three numbers for a set of generated 2-D samples (PacGAN's Table 1 protocol).

    Returns a dict:

    - ``modes``: how many modes are *captured*: at least one high-quality sample falls to them
      (see `mode_histogram`), out of ``num_modes`` (8 on the ring, 25 on the grid);
    - ``high_quality``: the fraction of all samples that are of high quality (0 to 1);
    - ``reverse_kl``: KL(p || uniform) in nats, where p is the share of the high-quality samples
      at each mode. Empty modes contribute 0 (0 log 0 = 0), as in PacGAN, so one mode holding
      everything gives log(num_modes) (2.08 on the ring, 3.22 on the grid), the largest value.
      With no high-quality sample at all, p is undefined; we report that largest value, log(num_modes).

    The papers use 2,500 samples. Explained in chapter 05.
    """
    counts = mode_histogram(samples, dataset)
    num_modes, num_samples = len(counts), len(np.asarray(samples))
    total = counts.sum()
    if total == 0:
        reverse_kl = float(np.log(num_modes))
    else:
        reverse_kl = float(rel_entr(counts / total, np.full(num_modes, 1.0 / num_modes)).sum())
    return {
        "modes": int(np.count_nonzero(counts)),
        "num_modes": int(num_modes),
        "high_quality": float(total / num_samples),
        "reverse_kl": max(reverse_kl, 0.0),
        "num_samples": int(num_samples),
    }
