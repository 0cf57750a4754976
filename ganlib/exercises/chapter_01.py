"""Checks for the exercises of chapter 01: the expert."""

from __future__ import annotations

import numpy as np

from ganlib import data
from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_changed,
    expect_close,
    expect_finite,
    expect_shape,
    experiment,
    numbers,
    positive_number,
    softplus,
)


@exercise("01.1", "binary cross-entropy from logits, one value per example")
def _check_bce_from_logits(bce_from_logits) -> str:
    logits = np.array([-100.0, -40.0, -3.0, -0.5, 0.0, 0.5, 3.0, 40.0, 100.0] * 2, dtype=np.float32)
    targets = np.array([1.0] * 9 + [0.0] * 9, dtype=np.float32)
    got = numbers(call(bce_from_logits, logits, targets), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per example (no mean), shape (18,)")
    expect_shape(got, logits.shape, "the loss", "Return one loss per example.")
    expect_finite(got, "the loss", "Computed from the probability, the loss overflows where sigmoid rounds to 0 "
                   "or 1: use log(1 + e^l) = softplus(l), e.g. np.logaddexp(0, l), which works on the logit.")
    expected = softplus(logits.astype(np.float64)) - targets * logits
    swapped = softplus(logits.astype(np.float64)) - (1 - targets) * logits
    expect_close(got, expected, "the loss", rtol=1e-4, atol=1e-4, mistakes=[
        (swapped, "it is the loss with the targets swapped: target 1 (real) should give a small loss for a "
         "large logit"),
    ])
    return "it equals -t log sigmoid(l) - (1 - t) log(1 - sigmoid(l)), and stays exact at logits of +-100"


@exercise("01.2", "the best possible accuracy against crude fakes of any spread, from the two densities")
def _check_best_accuracy(best_accuracy) -> str:
    results = {}
    for fake_std in (0.5, 0.15, 1.5):
        got = numbers(call(best_accuracy, fake_std), f"best_accuracy({fake_std})")
        if got.size != 1:
            raise WrongAnswer(f"return one number, the share of right verdicts; got shape {got.shape}")
        results[fake_std] = float(got.ravel()[0])
    for fake_std, got in results.items():
        expected = _best_accuracy(fake_std)
        if abs(got - expected) <= 2e-3:
            continue
        if abs(got - 2 * expected) <= 4e-3:
            raise WrongAnswer(f"best_accuracy({fake_std}) = {got:.3f} is above 1: half of the numbers are real and "
                              "half are fakes, so each density counts with weight 1/2")
        if abs(got - (1 - expected)) <= 2e-3:
            raise WrongAnswer(f"best_accuracy({fake_std}) = {got:.3f} is the best possible *error*: the best expert "
                              "says 'real' where p_real is the larger density, so it is right on max(p_real, p_fake)")
        if fake_std != 0.5 and abs(got - _best_accuracy(0.5)) <= 2e-3:
            raise WrongAnswer(f"best_accuracy({fake_std}) = {got:.3f}, the same as for 0.5: the fake density must "
                              "use the spread it is given, N(0, fake_std²)")
        raise WrongAnswer(f"best_accuracy({fake_std}) = {got:.4f}; expected {expected:.4f}, the integral of "
                          "max(p_real, p_fake) / 2 over x (on a grid: the sum of the values times the grid step, "
                          "over a range wide enough for both densities)")
    spelled = ", ".join(f"{results[s]:.1%} at {s:g}" for s in (0.15, 0.5, 1.5))
    return (f"the best possible accuracy is {spelled}: no expert beats the overlap of the two densities, which "
            "grows as the fakes spread onto the real numbers")


@exercise("01.3", "accuracy of an expert from its logits")
def _check_accuracy(accuracy) -> str:
    logits = np.array([-2.0, -0.3, 0.2, 0.4, 1.5, -1.0, 0.3, 2.0], dtype=np.float32)
    targets = np.array([0, 0, 1, 1, 1, 0, 0, 1], dtype=np.float32)
    got = numbers(call(accuracy, logits, targets), "the accuracy")
    if got.shape != ():
        raise WrongAnswer(f"return one number, the share of right verdicts; got shape {got.shape}")
    expected = float(np.mean((logits > 0) == (targets == 1)))
    if abs(float(got) - expected) > 1e-6:
        at_half = float(np.mean((logits > 0.5) == (targets == 1)))
        if abs(float(got) - at_half) < 1e-6:
            raise WrongAnswer(f"got {float(got):.3f}, the accuracy with a threshold of 0.5 on the *logit*. A logit "
                              "of 0.2 means a probability of 0.55, so 'real': threshold logits at 0")
        raise WrongAnswer(f"got {float(got):.3f}; expected {expected:.3f}")
    return f"{expected:.3f}: logits above 0 are verdicts 'real'"


#: The chapter's crude forger paints from N(0, 0.5²); exercise 01.4's experiment changes that spread.
CHAPTER_FAKE_STD = 0.5
#: Outcomes the learner may predict in exercise 01.4 (the expert's accuracy, compared by its error rate), and the
#: number of test samples the expert is measured on.
OUTCOMES = ("higher", "about the same", "lower")
NUM_TEST = 4000


def _best_accuracy(fake_std: float) -> float:
    """The best possible accuracy against N(0, fake_std²) fakes, as many as real numbers: ½ ∫ max(p_real, p_fake)."""
    xs = np.linspace(-12.0 * max(fake_std, 1.0), 12.0 * max(fake_std, 1.0), 400_001)
    fake = np.exp(-0.5 * (xs / fake_std) ** 2) / (fake_std * np.sqrt(2 * np.pi))
    return float(0.5 * np.sum(np.maximum(data.mixture_1d_density(xs), fake)) * (xs[1] - xs[0]))


def _why(fake_std: float, outcome: str) -> str:
    if outcome == "about the same":
        return ("the two densities overlap about as much as before, and the overlap is what sets the expert's "
                "mistakes")
    if outcome == "higher":
        return ("the fakes now overlap less with the real numbers: only a number that either player could have "
                "painted can fool the expert, and there are fewer of them")
    return ("the fakes now land where the real numbers are: where both players paint the same numbers, no expert "
            "can tell them apart, whatever it learns, and that overlap has grown")


def _read_fake_std(fake_std) -> float:
    return expect_changed("fake_std", positive_number(fake_std, "fake_std"), CHAPTER_FAKE_STD, 3)


def _measured(fake_std: float, baseline: float, changed: float, outcome: str) -> str:
    return (f"against fakes of spread {fake_std:g} the expert was right on {changed:.1%} of fresh samples, "
            f"against {baseline:.1%} at the chapter's {CHAPTER_FAKE_STD:g} (the exact best possible: "
            f"{_best_accuracy(fake_std):.1%} and {_best_accuracy(CHAPTER_FAKE_STD):.1%}; {NUM_TEST:,} test samples "
            f"may land a little above or below it): {outcome}")


@exercise("01.4", "an experiment: predict, then measure, what the crude forger's spread does to the expert")
def _check_fake_spread_experiment(answer) -> str:
    return experiment(
        answer, names=("fake_std", "prediction", "expert_accuracy"), read=_read_fake_std,
        chapter_value=CHAPTER_FAKE_STD, outcomes=OUTCOMES, rises="lower", falls="higher",
        scale=lambda accuracy: max(1.0 - accuracy, 1.0 / NUM_TEST),  # error rates; 0 is measured as one wrong verdict
        returns="a share of right verdicts, between 0 and 1",
        valid=lambda baseline, changed: 0 < baseline <= 1 and 0 < changed <= 1, measured=_measured, why=_why)
