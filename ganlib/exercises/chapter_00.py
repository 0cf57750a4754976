"""Checks for the exercises of chapter 00: the data."""

from __future__ import annotations

import numpy as np

from ganlib import data
from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_close,
    expect_shape,
    numbers,
)


@exercise("00.1", "the share of the points that each mode gets: what the count of modes does not show")
def _check_mode_shares(mode_shares) -> str:
    centres = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    std = 0.01
    rng = np.random.default_rng(0)
    lopsided = np.concatenate([centres[0] + rng.normal(0, std, (930, 2)),
                               np.repeat(centres[1:], 10, axis=0) + rng.normal(0, std, (70, 2))])
    half_far = np.concatenate([centres[rng.integers(0, 8, 200)] + rng.normal(0, std, (200, 2)),
                               np.zeros((200, 2))])
    cases = {
        "a forger that puts 930 of 1,000 points on mode 0 and 10 on each other mode": lopsided,
        "points on all 8 modes, evenly": centres[np.arange(800) % 8] + rng.normal(0, std, (800, 2)),
        "points on modes 0 and 1 only": centres[np.arange(300) % 2] + rng.normal(0, std, (300, 2)),
        "half the points on the modes, half at the centre of the ring": half_far,
        "points 4 standard deviations right of every mode": centres + [4 * std, 0.0],
    }
    for name, points in cases.items():
        got = numbers(call(mode_shares, points, centres, std), "the shares")
        distances = np.linalg.norm(points[:, None] - centres[None], axis=-1)
        close = distances.min(axis=1) < 3 * std
        counts = np.bincount(distances.argmin(axis=1)[close], minlength=len(centres)).astype(np.float64)
        expected = counts / len(points)
        if got.shape != expected.shape:
            if got.ndim == 1 and len(got) == np.count_nonzero(counts) and len(got) < len(centres):
                raise WrongAnswer(f"for {name} it returned {len(got)} shares, one per mode that got points; return "
                                  "one share per row of `centres`, 0 for a mode with no points "
                                  "(np.bincount(..., minlength=len(centres)))")
            raise WrongAnswer(f"for {name} it returned shape {got.shape}; expected one share per mode, shape (8,)")
        if np.allclose(got, expected, atol=1e-6):
            continue
        if np.allclose(got, counts, atol=1e-6):
            raise WrongAnswer(f"for {name} it returned counts ({got.astype(int).tolist()}); divide by the number of "
                              "points to get shares")
        if counts.sum() > 0 and np.allclose(got, counts / counts.sum(), atol=1e-6) and not close.all():
            raise WrongAnswer(f"for {name} the shares add up to 1, but only {close.mean():.0%} of the points are "
                              "close to a mode: divide by all the points, so that far points lower every share")
        all_counts = np.bincount(distances.argmin(axis=1), minlength=len(centres)) / len(points)
        if np.allclose(got, all_counts, atol=1e-6):
            raise WrongAnswer(f"for {name} points farther than 3 * std from every centre counted for their nearest "
                              "mode; they count for no mode")
        raise WrongAnswer(f"for {name} it returned {np.round(got, 3).tolist()}; expected "
                          f"{np.round(expected, 3).tolist()}")
    return ("the shares are right in all 5 cases. The lopsided forger covers all 8 modes, as the count of the "
            "chapter says, yet 93 % of its points sit on one of them: a forger can cover every mode and still be "
            "far from the data")


@exercise("00.2", "the density of the 1-D mixture")
def _check_mixture_density(mixture_density) -> str:
    xs = np.linspace(-5.0, 5.0, 201)
    got = numbers(call(mixture_density, xs), "the density")
    expect_shape(got, xs.shape, "the density", "Return one density value per x.")
    expected = data.mixture_1d_density(xs)
    area = float(np.sum(got) * (xs[1] - xs[0]))
    expect_close(got, expected, "the density", mistakes=[
        (2 * expected, "it is twice the right value: each of the two Gaussians has weight 1/2"),
        (0.5 * np.exp(-0.5 * ((xs + 2) / 0.5) ** 2) + 0.5 * np.exp(-0.5 * ((xs - 2) / 0.5) ** 2),
         "each Gaussian's density needs the factor 1 / (std * sqrt(2 pi)) so the area under the curve is 1"),
    ])
    return f"it matches the exact mixture density, and the area under it is {area:.3f}"


#: The answers of exercise 00.3: the three ways a batch of images is commonly scaled.
SCALINGS = ("0..255", "0..1", "-1..1")


@exercise("00.3", "diagnose how a batch of images is scaled, before it meets the forger's tanh")
def _check_pixel_range(pixel_range) -> str:
    rng = np.random.default_rng(1)
    raw = np.where(rng.random((8, 28, 28)) < 0.2, rng.integers(100, 256, (8, 28, 28)), 0).astype(np.uint8)
    faint = (raw // 4).astype(np.uint8)  # faint ink: every pixel below 64
    scaled = raw.astype(np.float32) / 127.5 - 1.0
    cases = [
        ("raw uint8 digits", raw, "0..255"),
        ("raw digits turned into float32 but not divided", raw.astype(np.float32), "0..255"),
        ("digits divided by 255", raw.astype(np.float32) / 255.0, "0..1"),
        ("digits scaled as data.scale_images does", scaled[..., None], "-1..1"),
        ("faint digits scaled to -1..1, their brightest pixel at -0.5", faint.astype(np.float32) / 127.5 - 1.0,
         "-1..1"),
        ("faint uint8 digits, their brightest pixel 63", faint, "0..255"),
        ("digits divided by 255, with no pixel brighter than 0.4", (raw // 3).astype(np.float32) / 255.0, "0..1"),
    ]
    for name, images, expected in cases:
        got = call(pixel_range, images.copy())
        if got not in SCALINGS:
            raise WrongAnswer(f"for {name} it returned {got!r}; return one of {SCALINGS}")
        if got == expected:
            continue
        hint = {
            "0..255": " Values above 1 can only be raw pixels, whatever their dtype; look at the largest value, "
                      "but note that raw pixels of a faint batch are still whole numbers 0..255.",
            "0..1": " No value is below 0 and none above 1: divided by 255.",
            "-1..1": " Only the forger's range goes below 0: look at the smallest value, not only the largest.",
        }[expected]
        if expected == "0..255" and images.dtype == np.uint8:
            hint = " A uint8 batch holds raw pixels 0..255, even when its brightest pixel is small."
        raise WrongAnswer(f"for {name} it said {got!r}; expected {expected!r}.{hint}")
    return ("it told all 7 batches apart. A batch in 0..255 or 0..1 next to forgeries in -1..1 lets the expert win "
            "on the range alone, so check the range of every real batch before a game")
