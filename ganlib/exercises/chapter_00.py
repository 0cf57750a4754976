"""Checks for the exercises of chapter 00: the data."""

from __future__ import annotations

import keras
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


@exercise("00.1", "count the modes that a set of points covers")
def _check_count_modes(count_modes) -> str:
    centres = np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    std = 0.01
    rng = np.random.default_rng(0)
    cases = {
        "points on all 8 modes": (centres[rng.integers(0, 8, 500)] + rng.normal(0, std, (500, 2)), 8),
        "points on the first mode only": (centres[0] + rng.normal(0, std, (300, 2)), 1),
        "points 2 standard deviations right of modes 0, 1 and 2": (centres[:3] + [2 * std, 0.0], 3),
        "points 4 standard deviations right of every mode": (centres + [4 * std, 0.0], 0),
        "points at the centre of the ring": (np.zeros((50, 2)), 0),
    }
    for name, (points, expected) in cases.items():
        got = call(count_modes, points, centres, std)
        if not isinstance(got, (int, np.integer)) and not (np.ndim(got) == 0 and float(got).is_integer()):
            raise WrongAnswer(f"for {name} it returned {got!r}; expected a whole number of modes")
        if int(got) != expected:
            hint = ""
            if name.startswith("points 2") and int(got) == 0:
                hint = " A point counts for a mode when it lies within 3 standard deviations (3 * std) of it."
            if name.startswith("points 4") and int(got) > 0:
                hint = " Points farther than 3 * std from every centre count for no mode."
            raise WrongAnswer(f"for {name} it counted {int(got)} modes; expected {expected}.{hint}")
    return f"it counted the covered modes right in all {len(cases)} cases"


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


@exercise("00.3", "turn forger output in [-1, 1] into 8-bit pixels")
def _check_to_pixels(to_pixels) -> str:
    rng = np.random.default_rng(1)
    images = np.concatenate([np.tanh(rng.normal(0, 2, (5, 28, 28, 1))),
                             np.full((1, 28, 28, 1), -1.0), np.full((1, 28, 28, 1), 1.0)]).astype(np.float32)
    got = call(to_pixels, images)
    got_array = np.asarray(keras.ops.convert_to_numpy(got))
    expect_shape(got_array, images.shape, "the pixels", "Keep the shape of the images.")
    if got_array.dtype != np.uint8:
        raise WrongAnswer(f"the pixels should be stored as uint8, like the raw digits; got {got_array.dtype}. "
                          "Convert at the end with .astype(np.uint8).")
    expected = (images.astype(np.float64) + 1.0) * 127.5
    if got_array[-2].max() != 0 or got_array[-1].min() != 255:
        raise WrongAnswer(f"-1 should become 0 and +1 should become 255; got {got_array[-2].max()} and "
                          f"{got_array[-1].min()}. Map [-1, 1] to [0, 255]: (x + 1) * 127.5")
    gap = np.abs(got_array.astype(np.float64) - expected).max()
    if gap > 1.0:
        raise WrongAnswer(f"some pixels are off by {gap:.0f} levels from (x + 1) * 127.5")
    return "every pixel is within one level of (x + 1) * 127.5, stored as uint8"
