"""Checks for the exercises of chapter 01: the expert."""

from __future__ import annotations

import numpy as np

from ganlib import data
from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    numbers,
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


@exercise("01.2", "the best possible expert D*(x) for the 1-D mixture against the crude forger")
def _check_best_expert(best_expert) -> str:
    xs = np.linspace(-4.0, 4.0, 161)
    got = numbers(call(best_expert, xs), "D*(x)")
    expect_shape(got, xs.shape, "D*(x)", "Return one probability per x.")
    real = data.mixture_1d_density(xs)
    fake = data.mixture_1d_density(xs, means=(0.0,), stds=(0.5,))  # the crude forger
    expected = real / (real + fake)
    expect_close(got, expected, "D*(x)", atol=1e-6, mistakes=[
        (1 - expected, "that is the probability that x is *fake*: put the real density on top"),
        (real / fake, "divide by the sum p_real + p_fake, not by p_fake alone; D* is a probability"),
    ])
    return f"D*(x) = p_real / (p_real + p_fake) everywhere; it is {expected[80]:.3f} at x = 0"


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
