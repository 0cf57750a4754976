"""Checks for the exercises of chapter 02: the forger."""

from __future__ import annotations

import numpy as np

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


@exercise("02.1", "1,000 latent vectors of size 16 from a standard Gaussian")
def _check_latent_vectors(latent_vectors) -> str:
    values = numbers(latent_vectors, "the latent vectors")
    expect_shape(values, (1000, 16), "the latent vectors", "One row per vector: shape (num_vectors, latent_dim).")
    mean, std = values.mean(), values.std()
    share_within_one = np.mean(np.abs(values) < 1)
    if abs(mean) > 0.05 or abs(std - 1) > 0.05:
        raise WrongAnswer(f"mean {mean:.3f} and standard deviation {std:.3f}; a standard Gaussian has 0 and 1")
    if abs(share_within_one - 0.683) > 0.03:
        raise WrongAnswer(f"{share_within_one:.1%} of the values lie in (-1, 1); for a standard Gaussian it is "
                          "68.3 %. Draw from a Gaussian (keras.random.normal), not a uniform distribution")
    return f"mean {mean:+.3f}, standard deviation {std:.3f}, {share_within_one:.1%} within one standard deviation"


@exercise("02.2", "interpolate between two latent vectors")
def _check_interpolate(interpolate) -> str:
    rng = np.random.default_rng(2)
    start, end = rng.standard_normal(16), rng.standard_normal(16)
    got = numbers(call(interpolate, start, end, 7), "the path")
    expected = start + np.linspace(0.0, 1.0, 7)[:, None] * (end - start)
    if got.shape == (6, 16) or got.shape == (5, 16):
        raise WrongAnswer(f"it returned {got.shape[0]} vectors for num_steps=7: include both ends, start and end")
    expect_shape(got, (7, 16), "the path", "Return num_steps vectors, one per row.")
    expect_close(got, expected, "the path", mistakes=[
        (expected[::-1], "the path runs backwards: the first row should be `start`, the last `end`"),
    ])
    return "7 evenly spaced vectors from start to end, both ends included"


@exercise("02.3", "the forger's non-saturating loss -log D(G(z)), one value per forgery")
def _check_forger_loss(forger_loss) -> str:
    logits = np.array([-100.0, -20.0, -2.0, 0.0, 2.0, 20.0], dtype=np.float32)
    got = numbers(call(forger_loss, logits), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per forgery (no mean), shape (6,)")
    expect_shape(got, logits.shape, "the loss")
    expect_finite(got, "the loss", "-log(sigmoid(l)) overflows for very negative logits: it equals "
                   "softplus(-l), e.g. np.logaddexp(0, -l)")
    expected = softplus(-logits.astype(np.float64))
    expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (-softplus(logits.astype(np.float64)), "that is log(1 - D(G(z))), the original minimax loss, which "
         "saturates: it is flat where the expert rejects the forgery. Use -log D(G(z))"),
        (softplus(logits.astype(np.float64)), "that is -log(1 - D(G(z))), which the forger would *raise* by "
         "being caught; it wants D(G(z)) close to 1: -log D(G(z))"),
    ])
    return f"-log D(G(z)): {expected[2]:.3f} for a logit of -2 and {expected[4]:.3f} for +2"
