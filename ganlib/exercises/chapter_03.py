"""Checks for the exercises of chapter 03: the game."""

from __future__ import annotations

import math

import keras
import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_changed,
    experiment,
    numbers,
    positive_number,
)


@exercise("03.1", "the expert's loss at the game's equilibrium")
def _check_equilibrium_loss(answer) -> str:
    value = numbers(answer, "the answer")
    if value.size != 1:
        raise WrongAnswer(f"give one number, the mean loss per pair; got shape {value.shape}")
    value = float(value.ravel()[0])
    expected = 2 * math.log(2)
    if abs(value - expected) > 1e-4:
        if abs(value - math.log(2)) < 1e-4:
            raise WrongAnswer(f"{value:.4f} is log 2, the loss on one side only: a pair has a real and a fake term")
        raise WrongAnswer(f"got {value:.4f}. At equilibrium D = 1/2 everywhere, i.e. every logit is 0")
    return f"2 log 2 = {expected:.4f}: the value d_loss hovers around when the expert can only guess"


def _small_players(seed: int):
    from ganlib import models  # the players are ganlib's; the step and its reference are not

    generator = models.mlp_generator(latent_dim=2, output_dim=1, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=1, width=16, depth=2)
    rng = np.random.default_rng(seed)  # fixed weights, without touching the session's global seeds
    for model in (generator, discriminator):
        model.set_weights([rng.normal(0.0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    return generator, discriminator


def _reference_expert_step(real, latent, learning_rate, loss_of_logits):
    """Fresh players (seed 6), one plain gradient step of the expert on ``loss_of_logits``; its weights after."""
    import tensorflow as tf

    generator, discriminator = _small_players(seed=6)
    fake = generator(latent, training=True)
    with tf.GradientTape() as tape:
        loss = loss_of_logits(discriminator(real, training=True), discriminator(fake, training=True))
    gradients = tape.gradient(loss, discriminator.trainable_weights)
    for weight, gradient in zip(discriminator.trainable_weights, gradients, strict=True):
        weight.assign(weight - learning_rate * gradient)
    return [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]


@exercise("03.2", "the expert's move: one step that makes the game's value V larger")
def _check_expert_step(expert_step) -> str:
    import tensorflow as tf

    learning_rate = 0.05
    real = np.random.default_rng(6).normal(2.0, 0.5, (64, 1)).astype(np.float32)
    latent = keras.random.normal((64, 2), seed=6)
    generator, discriminator = _small_players(seed=6)
    forger_before = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    start = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    call(expert_step, generator, discriminator, keras.optimizers.SGD(learning_rate), real, latent)
    got = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    forger_after = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    if any(not np.array_equal(a, b) for a, b in zip(forger_before, forger_after, strict=True)):
        raise WrongAnswer("the forger's weights changed: the expert's move takes gradients with respect to "
                          "discriminator.trainable_weights only, and the forger stays fixed")
    if all(np.array_equal(a, b) for a, b in zip(start, got, strict=True)):
        raise WrongAnswer("the expert's weights did not move: apply the gradients with the optimizer")

    def same_as(loss_of_logits):
        reference = _reference_expert_step(real, latent, learning_rate, loss_of_logits)
        return all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(got, reference, strict=True))

    def minus_value(real_logits, fake_logits):  # -V: -mean log D(x) - mean log(1 - D(G(z)))
        return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))

    if same_as(minus_value):
        return ("one step on -V moved the expert exactly as the reference: minimizing -V is minimizing the "
                "binary cross-entropy of the chapter's step")
    if same_as(lambda r, f: -minus_value(r, f)):
        raise WrongAnswer("the step made V smaller: a Keras optimizer minimizes its loss, so hand it -V")
    if same_as(lambda r, f: 64.0 * minus_value(r, f)):
        raise WrongAnswer("the step is 64 times too large: V uses means over the batch, not sums")
    if same_as(lambda r, f: minus_value(-r, -f)):
        raise WrongAnswer("real and fake are swapped: V has log D(x) for real paintings and log(1 - D(G(z))) "
                          "for forgeries")
    if same_as(lambda r, f: tf.reduce_mean(tf.nn.softplus(-r))):
        raise WrongAnswer("only the real paintings count: V also has the term log(1 - D(G(z))) for the forgeries")
    raise WrongAnswer("the expert's weights moved, but not as one step on -V = mean softplus(-real_logits) + "
                      "mean softplus(fake_logits); check that the expert judges both the real batch and the forgeries")


@exercise("03.3", "the game's value at the best expert, from the two densities on bins")
def _check_value_at_best_expert(value_at_best_expert) -> str:
    from scipy.spatial.distance import jensenshannon

    edges = np.linspace(-4.0, 4.0, 41)
    width = edges[1] - edges[0]
    centres = (edges[:-1] + edges[1:]) / 2
    p_data = np.exp(-0.5 * ((centres - 1.0) / 0.7) ** 2)
    p_g = np.where(centres < 2.5, np.exp(-0.5 * ((centres + 0.5) / 1.2) ** 2), 0.0)  # paints nothing above 2.5
    p_data, p_g = p_data / (p_data.sum() * width), p_g / (p_g.sum() * width)
    got = numbers(call(value_at_best_expert, p_data, p_g, width), "the value")
    if got.size != 1:
        raise WrongAnswer(f"return one number, V(D*, G); got shape {got.shape}")
    got = float(got.ravel()[0])
    if not np.isfinite(got):
        raise WrongAnswer(f"got {got}: where p_g is 0, D* = 1 and p_g log(1 - D*) is 0 * log 0, which counts as 0 "
                          "(scipy.special.xlogy(a, b) computes a log b with that rule)")
    expected = 2 * jensenshannon(p_data, p_g) ** 2 - math.log(4)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = p_data * np.log(p_data / (p_data + p_g)) + np.where(p_g > 0, p_g * np.log(p_g / (p_data + p_g)), 0)
    mistakes = [(float(np.sum(terms)), "you summed over the bins without the bin width: an integral over x is "
                 "a sum of value x width"),
                (float(np.sum(terms) * width / math.log(2)), "that is in bits (log base 2); use the natural log")]
    for wrong, explanation in mistakes:
        if abs(got - wrong) < 1e-4:
            raise WrongAnswer(explanation)
    if abs(got - expected) > 1e-4:
        raise WrongAnswer(f"got {got:.4f}; expected the integral of p_data log D* + p_g log(1 - D*) with "
                          f"D* = p_data / (p_data + p_g)")
    return f"V(D*, G) = {got:.4f} = 2 JSD - log 4, with JSD = {(expected + math.log(4)) / 2:.4f}"


#: The chapter's expert learning rate, against which exercise 03.4's experiment compares.
CHAPTER_EXPERT_LEARNING_RATE = 1e-3
#: Outcomes the learner may predict in exercise 03.4: how far from the real data the forger ends.
OUTCOMES = ("closer", "about the same", "farther")


def _why(learning_rate: float, outcome: str) -> str:
    slower = learning_rate < CHAPTER_EXPERT_LEARNING_RATE
    if outcome == "about the same":
        return ("the change was too small to matter in so short a game; try a factor of 10 or more")
    if outcome == "closer":
        return ("this expert's pace happened to suit this forger better in so short a game; a different seed "
                "may tell another story, so run it again with another seed before you trust it")
    if slower:
        return ("an expert that learns slowly keeps giving the forger the same verdict ('more to the right', "
                "say) long after the forger has crossed the real data, so the forger overshoots and wanders; "
                "the forger learns only what the expert can tell it, when it can tell it")
    return ("an expert that learns fast overreacts to every batch: its verdict swings from one step to the next, "
            "so the forger chases a moving target instead of the data")


def _read_learning_rate(learning_rate) -> float:
    learning_rate = positive_number(learning_rate, "expert_learning_rate")
    return expect_changed("expert_learning_rate", learning_rate, CHAPTER_EXPERT_LEARNING_RATE, 3)


def _measured(learning_rate: float, baseline: float, changed: float, outcome: str) -> str:
    return (f"with the expert's learning rate at {learning_rate:g} the forger ended at W1 {changed:.2f} from "
            f"the real data, against {baseline:.2f} at {CHAPTER_EXPERT_LEARNING_RATE:g}: {outcome}")


@exercise("03.4", "an experiment: predict, then measure, what the expert's learning rate does to the game")
def _check_learning_rate_experiment(answer) -> str:
    return experiment(
        answer, names=("expert_learning_rate", "prediction", "short_game"), read=_read_learning_rate,
        chapter_value=CHAPTER_EXPERT_LEARNING_RATE, outcomes=OUTCOMES, rises="farther", falls="closer",
        returns="a positive distance",
        valid=lambda baseline, changed: baseline > 0 and changed > 0, measured=_measured, why=_why)
