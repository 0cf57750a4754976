"""Checks for the exercises of chapter 07: judging the forgeries."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_changed, experiment, numbers


def _reference_frechet(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import linalg

    mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


@exercise("07.1", "the Fréchet distance between two sets of features")
def _check_frechet(frechet_distance) -> str:
    rng = np.random.default_rng(9)
    mixing = rng.normal(size=(6, 6))
    features_a = rng.normal(size=(800, 6)) @ mixing
    features_b = rng.normal(size=(600, 6)) @ (mixing * 1.5) + rng.normal(size=6)
    got = numbers(call(frechet_distance, features_a, features_b), "the distance")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    expected = _reference_frechet(features_a, features_b)
    if not math.isclose(got, expected, rel_tol=1e-3):
        mean_term = float(np.sum((features_a.mean(0) - features_b.mean(0)) ** 2))
        if math.isclose(got, math.sqrt(max(expected, 0.0)), rel_tol=1e-3):
            raise WrongAnswer(f"got {got:.3f}, the square root of the reference: the formula gives d squared")
        if math.isclose(got, mean_term, rel_tol=1e-3):
            raise WrongAnswer(f"got {got:.3f}, the mean term only: add the trace term, which compares the spreads")
        raise WrongAnswer(f"got {got:.3f}; expected {expected:.3f}. The square root is the *matrix* square root of "
                          "Sigma_a @ Sigma_b (scipy.linalg.sqrtm), not the element-wise one")
    shifted = rng.normal(size=(2000, 2)), rng.normal(size=(2000, 2)) + [3.0, 4.0]
    closed = float(np.ravel(numbers(call(frechet_distance, *shifted), "the distance"))[0])
    if not math.isclose(closed, _reference_frechet(*shifted), rel_tol=1e-3):
        raise WrongAnswer(f"for two Gaussians shifted by (3, 4) it gave {closed:.2f}; the reference is "
                          f"{_reference_frechet(*shifted):.2f} (about 25)")
    return f"{expected:.3f} on correlated features, and {closed:.2f} for two Gaussians shifted by (3, 4)"


@exercise("07.2", "the classifier score from class probabilities")
def _check_classifier_score(classifier_score) -> str:
    rng = np.random.default_rng(10)
    probabilities = rng.dirichlet(np.full(10, 0.3), size=500)
    got = numbers(call(classifier_score, probabilities), "the score")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    marginal = probabilities.mean(axis=0)
    mean_kl = float(np.mean(np.sum(probabilities * (np.log(probabilities) - np.log(marginal)), axis=1)))
    expected = math.exp(mean_kl)
    if not math.isclose(got, expected, rel_tol=1e-4):
        if math.isclose(got, mean_kl, rel_tol=1e-4):
            raise WrongAnswer(f"got {got:.4f}, the mean KL divergence: the score is its exponential")
        reversed_kl = float(np.mean(np.sum(marginal * (np.log(marginal) - np.log(probabilities)), axis=1)))
        if math.isclose(got, math.exp(reversed_kl), rel_tol=1e-4):
            raise WrongAnswer("the KL divergence is the wrong way round: KL(p(y|x) || p(y)), "
                              "sum of p(y|x) * log(p(y|x) / p(y))")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}")
    one_class = np.tile(np.eye(10)[3] * 0.999 + 0.0001, (100, 1))
    collapsed = float(np.ravel(numbers(call(classifier_score, one_class), "the score"))[0])
    if not 0.99 < collapsed < 1.01:
        raise WrongAnswer(f"a forger whose every sample is read as a 3 should score 1; got {collapsed:.3f}")
    return f"{expected:.3f} here, and 1 for a forger that paints only one digit"


def _reference_precision(real: np.ndarray, fake: np.ndarray, k: int) -> float:
    real_to_real = np.linalg.norm(real[:, None] - real[None], axis=2)
    radii = np.sort(real_to_real, axis=1)[:, k]  # position 0 is the point itself
    fake_to_real = np.linalg.norm(fake[:, None] - real[None], axis=2)
    return float(np.mean((fake_to_real <= radii[None]).any(axis=1)))


@exercise("07.3", "precision of distributions with k-nearest-neighbour balls")
def _check_precision(precision) -> str:
    rng = np.random.default_rng(11)
    real = rng.normal(size=(300, 2))
    fake = rng.normal(0.8, 1.3, size=(250, 2))
    got = numbers(call(precision, real, fake, 3), "the precision")
    if got.size != 1:
        raise WrongAnswer(f"return one number; got shape {got.shape}")
    got = float(got.ravel()[0])
    expected = _reference_precision(real, fake, 3)
    if abs(got - expected) > 1e-9:
        if abs(got - _reference_precision(real, fake, 2)) < 1e-9:
            raise WrongAnswer(f"got {got:.3f}: your balls reach the (k-1)-th neighbour. Among the real points, "
                              "each point's nearest one is itself at distance 0: skip it")
        if abs(got - _reference_precision(real, fake, 4)) < 1e-9:
            raise WrongAnswer(f"got {got:.3f}: your balls reach the (k+1)-th neighbour; index k of the sorted "
                              "distances (position 0 is the point itself) is the k-th neighbour")
        raise WrongAnswer(f"got {got:.3f}; expected {expected:.3f}")
    return f"{expected:.3f} of the forgeries fall inside the real points' k-nearest-neighbour balls"


#: The chapter's neighbourhood size for precision and recall, against which exercise 07.4's experiment compares.
CHAPTER_K = 3
#: Outcomes the learner may predict in exercise 07.4: the blur's precision.
OUTCOMES = ("higher", "about the same", "lower")
#: Points per mode in exercise 07.4's grid (2,000 real points over 25 modes).
POINTS_PER_MODE = 80


def _why(k: int, outcome: str) -> str:
    if outcome == "about the same":
        return ("each ball grew or shrank a little, but not enough to take in many more or many fewer of the blur's "
                "points: most of them lie in the empty space between the modes, far from every ball")
    if outcome == "lower":
        return ("with fewer neighbours each real point's ball shrinks, so fewer of the blur's points land inside one; "
                "the forger did not change, only the ruler: compare precisions only at the same k")
    if k > POINTS_PER_MODE:
        return (f"with k = {k}, more than the {POINTS_PER_MODE} real points of a mode, each ball must reach into a "
                "*neighbouring* mode, so the balls bridge the gaps and their union covers the whole grid: the blur "
                "looks realistic although no forger changed. k must stay well below the points per mode")
    return ("with more neighbours each real point's ball reaches farther, so the union of the balls swells into the "
            "gaps between the modes and takes in more of the blur's points; the forger did not change, only the "
            "ruler: compare precisions only at the same k")


def _read_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise WrongAnswer(f"k counts neighbours: a whole number of at least 1; got {k!r}")
    return expect_changed("k", int(k), CHAPTER_K, 3, " (k = 1, or k = 9 or more)")


def _measured(k: int, baseline: float, changed: float, outcome: str) -> str:
    return f"with k = {k} the blur's precision was {changed:.3f}, against {baseline:.3f} at k = {CHAPTER_K}: {outcome}"


@exercise("07.4", "an experiment: predict, then measure, what the neighbourhood size k does to precision")
def _check_neighbourhood_experiment(answer) -> str:
    return experiment(
        answer, names=("k", "prediction", "blur_precision"), read=_read_k, chapter_value=CHAPTER_K,
        outcomes=OUTCOMES, rises="higher", falls="lower",
        returns=f"a share between 0 and 1 (positive at k = {CHAPTER_K})",
        valid=lambda baseline, changed: 0 < baseline <= 1 and 0 <= changed <= 1, measured=_measured, why=_why)
