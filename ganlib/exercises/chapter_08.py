"""Checks for the exercises of chapter 08: forgeries on commission."""

from __future__ import annotations

import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, expect_finite, expect_shape, numbers

FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _reference_slerp(start: np.ndarray, end: np.ndarray, t: float) -> np.ndarray:
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    if omega < 1e-6:
        return (1.0 - t) * start + t * end
    return (np.sin((1.0 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)


def _path(slerp, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    points = []
    for t in FRACTIONS:
        point = numbers(call(slerp, start.copy(), end.copy(), t), f"slerp(start, end, {t})")
        expect_shape(point, start.shape, f"slerp(start, end, {t})", "Return one vector of the shape of `start`.")
        points.append(point)
    return np.stack(points)


@exercise("08.1", "spherical interpolation (slerp) between two latent vectors")
def _check_slerp(slerp) -> str:
    rng = np.random.default_rng(8)
    start, end = rng.standard_normal(64), 1.25 * rng.standard_normal(64)  # unequal lengths, like real draws
    got = _path(slerp, start, end)
    expect_finite(got, "the interpolated vectors", "cos Ω is the dot product divided by *both* lengths; "
                  "np.clip it to [-1, 1] before np.arccos")
    expected = np.stack([_reference_slerp(start, end, t) for t in FRACTIONS])
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    omega = np.arccos(cosine)
    lerp = np.stack([(1 - t) * start + t * end for t in FRACTIONS])
    unit_start, unit_end = start / np.linalg.norm(start), end / np.linalg.norm(end)
    directions_only = np.stack([_reference_slerp(unit_start, unit_end, t) for t in FRACTIONS])
    not_divided = expected * np.sin(omega)
    expect_close(got, expected, "the interpolated vectors", atol=1e-6, mistakes=[
        (lerp, "that is the straight line (lerp), whose middle is too short; follow the great circle: "
         "sin((1-t)Ω)/sin Ω · start + sin(tΩ)/sin Ω · end"),
        (expected[::-1], "the path runs backwards: t = 0 should give `start` and t = 1 `end`"),
        (directions_only, "the vectors have length 1: you interpolated the directions start/|start| and "
         "end/|end|; use start and end themselves in the formula, only Ω comes from the directions"),
        (not_divided, "the division by sin Ω is missing: without it the path does not start at `start`"),
    ])
    # the chapter's corner case: two vectors that point the same way (Ω = 0, sin Ω = 0)
    same_way = np.full(64, 0.5)
    along = _path(slerp, same_way, 2.0 * same_way)
    expect_finite(along, "slerp of two vectors that point the same way (end = 2 · start)",
                  "there Ω = 0 and sin Ω = 0: return the straight line (1-t)·start + t·end, which is then the arc")
    expect_close(along, np.stack([(1 - t) * same_way + 2 * t * same_way for t in FRACTIONS]),
                 "slerp of two vectors that point the same way (end = 2 · start)", atol=1e-6)
    middle = len(FRACTIONS) // 2
    return (f"at t = 0.5 the arc's point is {np.linalg.norm(expected[middle]):.2f} long (ends "
            f"{np.linalg.norm(start):.2f} and {np.linalg.norm(end):.2f}), the straight line's "
            f"{np.linalg.norm(lerp[middle]):.2f}; and vectors pointing the same way give the straight line")


@exercise("08.2", "the projection expert's logit psi(phi(x)) + <e_y, phi(x)>")
def _check_projection_logits(projection_logits) -> str:
    rng = np.random.default_rng(82)
    features, weights, bias = rng.standard_normal((6, 5)), rng.standard_normal(5), 0.7
    class_vectors, labels = rng.standard_normal((4, 5)), np.array([0, 3, 1, 1, 2, 0])
    got = numbers(call(projection_logits, features.copy(), weights.copy(), bias, class_vectors.copy(), labels.copy()),
                  "the logits")
    if got.shape == (6, 4):
        raise WrongAnswer("it returned one logit per class, shape (6, 4); the expert judges each image with its "
                          "own label only: use row labels[i] of class_vectors for example i")
    expect_shape(got, (6,), "the logits", "One logit per example.")
    plain = features @ weights + bias
    projection = np.sum(class_vectors[labels] * features, axis=1)
    expected = plain + projection
    expect_close(got, expected, "the logits", mistakes=[
        (plain, "that is psi(phi(x)) alone: the order is missing; add <class_vectors[y], features>"),
        (projection, "the real-or-fake term psi(phi(x)) = features @ weights + bias is missing"),
        (expected - bias, "the bias of psi is missing: psi(phi(x)) = features @ weights + bias"),
        (plain + features @ class_vectors.sum(axis=0), "that adds every class vector; use only the row of "
         "the example's label"),
    ])
    return "the plain real-or-fake score plus the agreement of the features with the ordered digit's vector"


def _mean_difference(latents: np.ndarray, scores: np.ndarray, count: int) -> np.ndarray:
    order = np.argsort(scores, kind="stable")
    return latents[order[-count:]].mean(axis=0) - latents[order[:count]].mean(axis=0)


def _within_digits(scores: np.ndarray, digits: np.ndarray, scale: bool = True) -> np.ndarray:
    standardized = np.zeros_like(scores)
    for digit in np.unique(digits):
        mine = digits == digit
        centred = scores[mine] - scores[mine].mean()
        standardized[mine] = centred / scores[mine].std() if scale else centred
    return standardized


@exercise("08.3", "a latent direction from the thickest and the thinnest forgeries of each digit")
def _check_attribute_direction(attribute_direction) -> str:
    rng = np.random.default_rng(83)
    num_latents = 300
    latents = rng.standard_normal((num_latents, 8))
    digits = np.arange(num_latents) % 10
    # the property follows latent coordinate 2, but each digit has its own level and spread (a 1 uses less ink)
    level, spread = rng.uniform(0.05, 0.3, 10), rng.uniform(0.005, 0.05, 10)
    scores = level[digits] + spread[digits] * (latents[:, 2] + 0.3 * rng.standard_normal(num_latents))
    got = numbers(call(attribute_direction, latents.copy(), scores.copy(), digits.copy(), 0.2), "the direction")
    expect_shape(got, (8,), "the direction", "One latent-sized vector: mean of the top rows minus mean of the bottom.")
    count = round(0.2 * num_latents)
    standardized = _within_digits(scores, digits)
    expected = _mean_difference(latents, standardized, count)
    per_digit = np.mean([_mean_difference(latents[digits == d], standardized[digits == d], count // 10)
                         for d in range(10)], axis=0)
    above = standardized > np.median(standardized)
    expect_close(got, expected, "the direction", atol=1e-6, mistakes=[
        (-expected, "the direction points the wrong way: thickest minus thinnest, so that adding it raises the "
         "property"),
        (_mean_difference(latents, scores, count), "the scores were ranked as they are, so the ranking mostly picks "
         "digits (a 1 always uses less ink than an 8): standardize each score within its own digit first"),
        (_mean_difference(latents, _within_digits(scores, digits, scale=False), count), "you subtracted each "
         "digit's mean but did not divide by its standard deviation: digits with a wider spread fill the ends"),
        (per_digit, "you took the top and bottom share of each digit separately; rank all the standardized "
         "scores together, as the chapter does"),
        (latents[above].mean(axis=0) - latents[~above].mean(axis=0), "that splits at the median; take only the "
         "top and bottom `share` (20 %) of the standardized scores"),
        (latents[np.argsort(standardized)[-count:]].mean(axis=0), "that is the mean of the top rows alone; "
         "subtract the mean of the bottom rows"),
    ])
    along = abs(expected[2]) / np.abs(np.delete(expected, 2)).max()
    return (f"the direction is {along:.0f} times longer along the latent coordinate that drives the property "
            "than along any other")
