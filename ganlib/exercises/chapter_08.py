"""Checks for the exercises of chapter 08: forgeries on commission."""

from __future__ import annotations

import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    experiment,
    numbers,
    whole_number,
)

FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _reference_slerp(start: np.ndarray, end: np.ndarray, t: float) -> np.ndarray:
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    omega = np.arccos(np.clip(cosine, -1.0, 1.0))
    if omega < 1e-6:
        return (1.0 - t) * start + t * end
    return (np.sin((1.0 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)


def _reference_nlerp(start: np.ndarray, end: np.ndarray, t: float) -> np.ndarray:
    straight = (1.0 - t) * start + t * end
    length = (1.0 - t) * np.linalg.norm(start) + t * np.linalg.norm(end)
    return straight * length / np.linalg.norm(straight)


def _path(walk, start: np.ndarray, end: np.ndarray, name: str = "nlerp") -> np.ndarray:
    points = []
    for t in FRACTIONS:
        point = numbers(call(walk, start.copy(), end.copy(), t), f"{name}(start, end, {t})")
        expect_shape(point, start.shape, f"{name}(start, end, {t})", "Return one vector of the shape of `start`.")
        points.append(point)
    return np.stack(points)


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.arccos(np.clip(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)), -1.0, 1.0)))


@exercise("08.1", "a cheaper arc: the straight line stretched back to the sphere (nlerp), against slerp")
def _check_nlerp(nlerp) -> str:
    rng = np.random.default_rng(8)
    start, end = rng.standard_normal(64), 1.25 * rng.standard_normal(64)  # unequal lengths, like real draws
    got = _path(nlerp, start, end)
    expect_finite(got, "the interpolated vectors", "divide by the length of the straight-line point, "
                  "np.linalg.norm((1 - t) * start + t * end), which is not 0 for two random draws")
    expected = np.stack([_reference_nlerp(start, end, t) for t in FRACTIONS])
    lerp = np.stack([(1 - t) * start + t * end for t in FRACTIONS])
    slerp = np.stack([_reference_slerp(start, end, t) for t in FRACTIONS])
    unit = lerp / np.linalg.norm(lerp, axis=1, keepdims=True)
    start_length = unit * np.linalg.norm(start)
    mean_length = unit * (np.linalg.norm(start) + np.linalg.norm(end)) / 2
    expect_close(got, expected, "the interpolated vectors", atol=1e-6, mistakes=[
        (lerp, "that is the straight line (lerp) itself, whose middle is too short: stretch each point to the "
         "length (1-t)|start| + t|end|"),
        (unit, "the vectors have length 1: you normalized the straight-line point but did not stretch it to "
         "(1-t)|start| + t|end|"),
        (start_length, "every point has the length of `start`: the length should move from |start| to |end|, "
         "(1-t)|start| + t|end|"),
        (mean_length, "every point has the mean of the two lengths: the length should move from |start| at t = 0 "
         "to |end| at t = 1, (1-t)|start| + t|end|"),
        (slerp, "that is slerp, the chapter's great circle; this exercise asks for the cheaper walk: the straight "
         "line's point, stretched to the length (1-t)|start| + t|end|"),
        (expected[::-1], "the path runs backwards: t = 0 should give `start` and t = 1 `end`"),
    ])
    # how evenly each walk turns: for two vectors of the same length, the angle from `start` at t = 0.25
    omega = _angle(start, end)
    unit_start, unit_end = start / np.linalg.norm(start), end / np.linalg.norm(end)
    nlerp_turn = _angle(unit_start, 0.75 * unit_start + 0.25 * unit_end) / omega
    middle = len(FRACTIONS) // 2
    return (f"at t = 0.5 your point is {np.linalg.norm(got[middle]):.2f} long (ends {np.linalg.norm(start):.2f} and "
            f"{np.linalg.norm(end):.2f}; the straight line's {np.linalg.norm(lerp[middle]):.2f}), so it stays on the "
            f"shell. It follows slerp's arc but not at slerp's even pace: between two vectors of the same length, at "
            f"t = 0.25 it has turned {nlerp_turn:.0%} of the angle, slerp exactly 25 %; nlerp hurries through the "
            "middle and lingers at the ends")


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


#: The chapter's setting for exercise 08.4: one order per mode of the ring of eight.
CHAPTER_NUM_ORDERS = 8
#: Outcomes the learner may predict in exercise 08.4: the share of forgeries that land on a mode.
OUTCOMES = ("more", "about the same", "fewer")


def _why(num_orders: int, outcome: str) -> str:
    per_order = -(-CHAPTER_NUM_ORDERS // num_orders)
    if outcome == "fewer":
        return (f"with {num_orders} order{'s' if num_orders > 1 else ''}, each order must be painted on up to "
                f"{per_order} separate modes from one connected cloud of latent vectors; the forger is a smooth map, "
                "so it cannot tear that cloud into separate pieces, and it paints bridges between the modes, where "
                "real points never are. With one order per mode the order does the tearing: each order's forgeries "
                "need only one blob")
    if outcome == "about the same":
        return (f"each order still names only {per_order} modes, few enough for the forger to split its latent "
                "cloud between them in so short a game; try num_orders = 1 (no order at all)")
    return ("fewer orders happened to suit this short game; a different seed may tell another story, so run it again "
            "with another seed before you trust it")


def _read_num_orders(num_orders) -> int:
    num_orders = whole_number(num_orders, "num_orders", 1)
    if num_orders >= CHAPTER_NUM_ORDERS:
        raise WrongAnswer(f"num_orders = {num_orders} gives every mode its own order, as the chapter's "
                          f"{CHAPTER_NUM_ORDERS} does (a point's order is its mode's index modulo num_orders): choose "
                          "fewer orders, 1 to 7")
    return num_orders


def _measured(num_orders: int, baseline: float, changed: float, outcome: str) -> str:
    return (f"with {num_orders} order{'s' if num_orders > 1 else ''}, {changed:.0%} of the forgeries landed on one "
            f"of the eight modes, against {baseline:.0%} with one order per mode: {outcome}")


@exercise("08.4", "an experiment: predict, then measure, how the number of orders changes where the forgeries land")
def _check_orders_experiment(answer) -> str:
    return experiment(
        answer, names=("num_orders", "prediction", "short_game"), read=_read_num_orders,
        chapter_value=CHAPTER_NUM_ORDERS, outcomes=OUTCOMES, rises="more", falls="fewer",
        returns="the share of forgeries on a mode, above 0 and at most 1",
        valid=lambda baseline, changed: 0.0 < baseline <= 1.0 and 0.0 < changed <= 1.0, measured=_measured, why=_why)
