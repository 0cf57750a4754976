"""Checks for the exercises of chapter 06: fixing the game."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import (
    CLEAR_RATIO,
    WrongAnswer,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    experiment,
    numbers,
    one_number,
)
from ganlib.recipes import TOY_RECIPES


def _relu(x):
    return np.maximum(x, 0.0)


@exercise("06.1", "the expert's hinge loss, one value per pair of scores")
def _check_hinge_loss(hinge_loss) -> str:
    # scores on both sides of the margins -1 and +1, so that every term is active somewhere and idle elsewhere
    real_scores = np.array([2.5, 1.2, 0.9, 0.3, -0.4, -1.5, 1.0, 3.0], dtype=np.float32)
    fake_scores = np.array([-2.0, 0.5, -0.8, 1.4, -1.2, 0.1, -1.0, 2.0], dtype=np.float32)
    got = numbers(call(hinge_loss, real_scores.copy(), fake_scores.copy()), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per pair (no mean), shape (8,)")
    expect_shape(got, real_scores.shape, "the loss")
    expect_finite(got, "the loss")
    real, fake = real_scores.astype(np.float64), fake_scores.astype(np.float64)
    expected = _relu(1.0 - real) + _relu(1.0 + fake)
    expect_close(got, expected, "the loss", mistakes=[
        ((1.0 - real) + (1.0 + fake), "the max(0, ...) is missing: a real score above +1 or a fake score below -1 "
         "is already good enough and should cost nothing"),
        (_relu(2.0 - real + fake), "the max(0, ...) goes on each term separately: max(0, 1 - D(x)) + "
         "max(0, 1 + D(G(z)))"),
        (_relu(1.0 + real) + _relu(1.0 - fake), "the sides are swapped: real scores should be pushed *above* +1 "
         "(max(0, 1 - D(x))) and fake scores *below* -1 (max(0, 1 + D(G(z))))"),
        (fake - real, "that is the Wasserstein critic's loss D(G(z)) - D(x); the hinge loss stops at the margins"),
        (_relu(-real) + _relu(fake), "the margin is 1: max(0, 1 - D(x)), not max(0, -D(x))"),
    ])
    return "max(0, 1 - D(x)) + max(0, 1 + D(G(z))) for every pair; scores beyond the margins cost nothing"


def _reference_penalty(gradients: np.ndarray, epsilon: float = 1e-12) -> np.ndarray:
    flat = gradients.reshape(len(gradients), -1).astype(np.float64)
    return (np.sqrt(np.sum(flat**2, axis=1) + epsilon) - 1.0) ** 2


@exercise("06.2", "the gradient penalty (||g|| - 1)^2 for each example's gradient, differentiable at g = 0")
def _check_gradient_penalty(gradient_penalty) -> str:
    import tensorflow as tf

    rng = np.random.default_rng(6)
    # one gradient per example, of image shape: norms below 1, near 1 and above 1
    scales = np.array([0.05, 0.3, 0.2, 0.45, 1.0, 2.0])
    gradients = rng.normal(size=(6, 4, 4, 1)) * scales[:, None, None, None] / 4.0
    gradients_tf = tf.constant(gradients, dtype=tf.float32)
    got = numbers(call(gradient_penalty, gradients_tf), "the penalty")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one penalty per example (no mean), shape (6,)")
    expect_shape(got, (6,), "the penalty", "flatten each example's gradient: the norm is over all its values "
                 "(reshape to (batch, -1), then sum over axis 1)")
    expect_finite(got, "the penalty")
    expected = _reference_penalty(gradients)
    flat = gradients.reshape(6, -1)
    squared_norms = np.sum(flat**2, axis=1)
    norms = np.sqrt(squared_norms)
    expect_close(got, expected, "the penalty", atol=1e-4, mistakes=[
        ((squared_norms - 1.0) ** 2, "that uses the squared norm: take the square root of the sum of squares "
         "before subtracting 1"),
        (np.full(6, (np.sqrt(np.sum(flat**2)) - 1.0) ** 2), "the norm is over the whole batch: each example has its "
         "own gradient norm (sum over axis 1 only)"),
        (_relu(norms - 1.0) ** 2, "only norms above 1 are penalized; WGAN-GP's penalty is two-sided: it pushes "
         "every norm towards 1, from below too"),
        (np.abs(norms - 1.0), "the difference is not squared: (||g|| - 1)^2"),
        (norms - 1.0, "the difference is not squared: (||g|| - 1)^2"),
    ])

    # the expert trains on the penalty, so its slope must be finite even where a gradient is exactly zero
    with_zero = tf.Variable(np.concatenate([np.zeros((1, 4, 4, 1)), gradients[:2]]).astype(np.float32))
    with tf.GradientTape() as tape:
        penalty = call(gradient_penalty, with_zero)
        total = tf.reduce_sum(tf.cast(penalty, tf.float32)) if tf.is_tensor(penalty) else None
    if total is None:
        raise WrongAnswer("the penalty is not a TensorFlow tensor, so the expert could not learn from it: write it "
                          "with tf (or keras.ops) functions, not NumPy")
    slope = tape.gradient(total, with_zero)
    if slope is None:
        raise WrongAnswer("the penalty does not depend on the gradients through TensorFlow operations (no slope): "
                          "write it with tf (or keras.ops) functions, not NumPy")
    expect_finite(slope.numpy(), "the slope of the penalty where a gradient is exactly zero",
                  "the square root's slope is infinite at 0 (tf.norm too): take tf.sqrt(sum of squares + 1e-12)")
    return (f"per-example penalties from {expected.min():.3f} to {expected.max():.3f}, and a finite slope where a "
            "gradient is exactly zero")


def _reference_pack(samples: np.ndarray, pack: int) -> np.ndarray:
    """(batch, ..., c) -> (batch / pack, ..., pack * c): consecutive samples side by side in the last axis."""
    batch, *middle, channels = samples.shape
    out = np.empty((batch // pack, *middle, pack * channels), dtype=samples.dtype)
    for group in range(batch // pack):
        for member in range(pack):
            out[group, ..., member * channels:(member + 1) * channels] = samples[group * pack + member]
    return out


_INTERLEAVED = ("the channels are interleaved (channel 0 of every sample, then channel 1 ...); each sample's "
                "channels stay together: sample j of a group fills channels j*c to (j+1)*c - 1")


@exercise("06.3", "packing: groups of k consecutive samples side by side along the last axis")
def _check_pack(pack) -> str:
    points = np.arange(12 * 2, dtype=np.float32).reshape(12, 2)
    got = numbers(call(pack, points.copy(), 3), "packed points")
    expect_shape(got, (4, 6), "3 points of shape (2,) packed", "a batch of 12 becomes 12 / 3 = 4 groups of 3 * 2 "
                 "numbers")
    expect_close(got, _reference_pack(points, 3), "packed points", mistakes=[
        (points.reshape(3, 4, 2).transpose(1, 0, 2).reshape(4, 6), "the groups are strided (samples 0, 4, 8 "
         "together); a group is k *consecutive* samples: 0, 1, 2, then 3, 4, 5 ..."),
        (points.reshape(4, 3, 2).transpose(0, 2, 1).reshape(4, 6), _INTERLEAVED),
    ])

    images = np.random.default_rng(7).normal(size=(8, 2, 3, 3)).astype(np.float32)  # 8 images of 2x3, 3 channels
    got = numbers(call(pack, images.copy(), 4), "packed images")
    expect_shape(got, (2, 2, 3, 12), "4 images of shape (2, 3, 3) packed", "the images keep their height and "
                 "width; only the channels grow, 4 * 3 = 12")
    expected = _reference_pack(images, 4)
    expect_close(got, expected, "packed images", mistakes=[
        (images.reshape(2, 2, 3, 12), "a plain reshape mixes the pixels of different images: move the group axis "
         "next to the channels first (np.moveaxis or tf.transpose), then merge"),
        (images.reshape(2, 4, 2, 3, 3).transpose(0, 2, 3, 4, 1).reshape(2, 2, 3, 12), _INTERLEAVED),
        (images.reshape(4, 2, 2, 3, 3).transpose(1, 2, 3, 0, 4).reshape(2, 2, 3, 12), "the groups are strided; a "
         "group is k *consecutive* samples"),
    ])
    return "a batch of 12 points in groups of 3 and of 8 three-channel images in groups of 4, as ganlib.GAN packs"


#: Outcomes the learner may predict in exercise 06.4: the expert's slope at the real samples.
OUTCOMES = ("lower", "about the same", "higher")

#: The modern recipe, whose penalties' weight exercise 06.4 changes.
MODERN_RECIPE = "relativistic_r1_r2"
#: The factors exercise 06.4 offers for both penalties' weight: 100 times weaker, or 100 times stronger.
PENALTY_FACTORS = (0.01, 100.0)


def _weights(factor: float) -> str:
    """The penalties' weights at ``factor`` times the modern recipe's, in words (read at each check)."""
    r1, r2 = (factor * TOY_RECIPES[MODERN_RECIPE][name] for name in ("r1_penalty", "r2_penalty"))
    return f"gamma = {r1:g}" if r1 == r2 else f"R1's weight {r1:g} and R2's {r2:g}"


def _read_penalty_factor(factor) -> float:
    value = one_number(factor, "penalty_factor")
    if math.isclose(value, 1.0):
        raise WrongAnswer("penalty_factor = 1 is the recipe's own weight: choose 0.01 (100 times weaker) or 100 "
                          "(100 times stronger)")
    for allowed in PENALTY_FACTORS:
        if math.isclose(value, allowed):
            return allowed
    raise WrongAnswer(f"penalty_factor should be 0.01 (100 times weaker) or 100 (100 times stronger); got {factor!r}")


def _times(baseline: float, changed: float) -> str:
    """How many times larger or smaller ``changed`` is than ``baseline``, in words."""
    if changed >= baseline:
        return f"{changed / baseline:,.1f} times the recipe's"
    return f"1/{baseline / changed:,.0f} of the recipe's" if changed > 0 else "zero"


def _penalty_measured(factor: float, baseline: float, changed: float, outcome: str) -> str:
    return (f"with both penalties {factor:g} times the recipe's weight ({_weights(factor)} instead of "
            f"{_weights(1.0)}), the expert's mean squared slope at the real samples was {changed:.3g}, against "
            f"{baseline:.3g} with the recipe's weight ({_times(baseline, changed)}): {outcome} (the check calls a "
            f"change of less than {CLEAR_RATIO:g} times either way about the same)")


_PENALTY = ("the penalty gamma/2 ||grad D||^2 is a price the expert pays for the slope of its score at the real "
            "samples (R1) and at the forgeries (R2); the pairing loss, on the other side, rewards a score that "
            "rises steeply from each forgery to its real partner, and the expert settles where the two balance")
_FORGER = "The forger learns only from that slope: it is the direction and the strength of its pull"
_SHARE = ("What the change does to the share of forgeries on the modes after 1,000 steps is another question, which "
          "one run does not answer")


def _penalty_why(factor: float, outcome: str) -> str:
    stronger = factor > 1
    if stronger and outcome == "lower":
        return (f"{_PENALTY}. 100 times dearer, the expert bought far less slope: its score is almost flat where "
                f"the real samples lie. {_FORGER}, so a forger near the data gets only a faint pull. {_SHARE}: "
                "with 100 times the weight, that share rose in some runs and fell in others")
    if not stronger and outcome == "higher":
        return (f"{_PENALTY}. 100 times cheaper, the expert bought much more slope: its score rises steeply around "
                f"the data, the cliff that R1 and R2 are there to flatten (exercise 05.3 damped the Dirac GAN's "
                f"circling with R1). {_FORGER}, so a forger near the data is pulled hard. {_SHARE}: measure it over "
                "several seeds (modes.mode_statistics) before you trust a direction")
    return (f"{_PENALTY}. Here the slope did not follow the price: "
            + ("100 times dearer" if stronger else "100 times cheaper")
            + ", and still not clearly " + ("lower" if stronger else "higher")
            + ". This is one run from one start; run it with another seed before you trust it")


@exercise("06.4", "an experiment: predict, then measure, what the weight of R1 and R2 does to the expert's slope")
def _check_penalty_experiment(answer) -> str:
    return experiment(
        answer, names=("penalty_factor", "prediction", "ring_game"), read=_read_penalty_factor,
        chapter_value=1.0, outcomes=OUTCOMES, rises="higher", falls="lower",
        returns="the expert's mean squared slope at the real samples, a number above 0",
        valid=lambda baseline, changed: baseline > 0 and changed >= 0,
        measured=_penalty_measured, why=_penalty_why)
