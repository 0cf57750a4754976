"""Chapter 08's exercises: each check passes the solution, reports an empty gap, and names the usual mistakes."""

import numpy as np
import pytest
from exercise_harness import assert_check_contract, solved_names


def _lerp(start, end, t):
    return (1 - t) * start + t * end


def _slerp_parts(start, end):
    cosine = np.dot(start, end) / (np.linalg.norm(start) * np.linalg.norm(end))
    return np.arccos(np.clip(cosine, -1.0, 1.0))


def _slerp_backwards(start, end, t):
    omega = _slerp_parts(start, end)
    return (np.sin(t * omega) * start + np.sin((1 - t) * omega) * end) / np.sin(omega)


def _slerp_of_directions(start, end, t):
    start, end = start / np.linalg.norm(start), end / np.linalg.norm(end)
    omega = _slerp_parts(start, end)
    return (np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)


def _slerp_not_divided(start, end, t):
    omega = _slerp_parts(start, end)
    return np.sin((1 - t) * omega) * start + np.sin(t * omega) * end


def _slerp_without_corner_case(start, end, t):
    omega = _slerp_parts(start, end)
    with np.errstate(all="ignore"):
        return (np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)


def _slerp_unnormalized_cosine(start, end, t):
    with np.errstate(all="ignore"):
        omega = np.arccos(np.dot(start, end))  # the dot product is not a cosine: NaN for long vectors
        return (np.sin((1 - t) * omega) * start + np.sin(t * omega) * end) / np.sin(omega)


def _direction(standardize="z", split="top", sign=1.0):
    def attribute_direction(latents, scores, digits, share):
        values = scores.astype(float).copy()
        if standardize != "none":
            for digit in np.unique(digits):
                mine = digits == digit
                values[mine] = values[mine] - values[mine].mean()
                if standardize == "z":
                    values[mine] /= values[mine].std()
        count = round(share * len(scores))
        order = np.argsort(values)
        if split == "median":
            above = values > np.median(values)
            return sign * (latents[above].mean(axis=0) - latents[~above].mean(axis=0))
        if split == "top only":
            return latents[order[-count:]].mean(axis=0)
        if split == "per digit":
            parts = []
            for digit in np.unique(digits):
                mine = np.flatnonzero(digits == digit)
                inner = mine[np.argsort(values[mine])]
                per = round(share * len(mine))
                parts.append(latents[inner[-per:]].mean(axis=0) - latents[inner[:per]].mean(axis=0))
            return np.mean(parts, axis=0)
        return sign * (latents[order[-count:]].mean(axis=0) - latents[order[:count]].mean(axis=0))
    return attribute_direction


def _direction_by_quantiles(latents, scores, digits, share):
    """The chapter's own way (np.quantile thresholds): an accepted alternative to counting rows."""
    standardized = np.zeros(len(scores))
    for digit in range(10):
        mine = digits == digit
        standardized[mine] = (scores[mine] - scores[mine].mean()) / scores[mine].std(ddof=1)
    thick = latents[standardized >= np.quantile(standardized, 1 - share)].mean(axis=0)
    thin = latents[standardized <= np.quantile(standardized, share)].mean(axis=0)
    return thick - thin


def _projection(plain=True, projection=True, bias=True, every_class=False):
    def projection_logits(features, weights, b, class_vectors, labels):
        logits = np.zeros(len(features))
        if plain:
            logits = logits + features @ weights + (b if bias else 0.0)
        if projection:
            chosen = class_vectors.sum(axis=0)[None] if every_class else class_vectors[labels]
            logits = logits + np.sum(chosen * features, axis=1)
        return logits
    return projection_logits


WRONG = {
    "08.1": [(_lerp, "straight line"), (_slerp_backwards, "backwards"), (_slerp_of_directions, "length 1"),
             (_slerp_not_divided, "division by sin"), (_slerp_without_corner_case, "point the same way"),
             (_slerp_unnormalized_cosine, "divided by *both* lengths")],
    "08.2": [(_projection(projection=False), "the order is missing"), (_projection(plain=False), "is missing"),
             (_projection(bias=False), "bias of psi"), (_projection(every_class=True), "every class vector"),
             (lambda features, weights, bias, vectors, labels: features @ vectors.T, "one logit per class")],
    "08.3": [(_direction(sign=-1.0), "wrong way"), (_direction(standardize="none"), "mostly picks digits"),
             (_direction(standardize="mean"), "did not divide"), (_direction(split="per digit"), "separately"),
             (_direction(split="median"), "median"), (_direction(split="top only"), "top rows alone")],
}
ANSWERS = {"08.1": "slerp", "08.2": "projection_logits", "08.3": "attribute_direction"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("08")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    assert_check_contract(exercise_id, solved[ANSWERS[exercise_id]], WRONG[exercise_id], capsys, monkeypatch)


def test_the_chapters_quantile_thresholds_are_accepted_too(capsys, monkeypatch):
    """08.3 counts rows; the chapter's np.quantile thresholds (and np.std with ddof=1) select the same rows."""
    from ganlib import exercises

    monkeypatch.setattr(exercises.core, "_solved", set())
    exercises.check("08.3", _direction_by_quantiles)
    assert exercises.is_solved("08.3")
