"""Checks for the exercises of chapter 03: the game."""

from __future__ import annotations

import math

import keras
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


@exercise("03.1", "the expert's loss for a pair (a real painting and a forgery), from logits")
def _check_expert_loss(expert_loss) -> str:
    rng = np.random.default_rng(3)
    real_logits = np.concatenate([rng.normal(0, 3, 20), [60.0, -60.0]]).astype(np.float32)
    fake_logits = np.concatenate([rng.normal(0, 3, 20), [-60.0, 60.0]]).astype(np.float32)
    got = numbers(call(expert_loss, real_logits, fake_logits), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per pair (no mean), shape (22,)")
    expect_shape(got, real_logits.shape, "the loss")
    expect_finite(got, "the loss", "compute from the logits with softplus, not from sigmoid probabilities")
    r, f = real_logits.astype(np.float64), fake_logits.astype(np.float64)
    expected = softplus(-r) + softplus(f)
    expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (softplus(r) + softplus(-f), "the labels are swapped: real paintings should have target 1 "
         "(loss -log D(x)) and forgeries target 0 (loss -log(1 - D(G(z))))"),
        (softplus(-r), "only the real term is there: add the loss on the forgery, -log(1 - D(G(z)))"),
        (expected / 2, "it is half the pair loss: sum the real and fake terms, do not average them"),
    ])
    return "-log D(x) - log(1 - D(G(z))) for every pair, exact at logits of +-60"


@exercise("03.2", "the expert's loss at the game's equilibrium")
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


def _reference_forger_step(latent, learning_rate, loss_of_logits):
    """Fresh players (seed 5), one plain gradient step of the forger on ``loss_of_logits``; its weights after."""
    import tensorflow as tf

    generator, discriminator = _small_players(seed=5)
    with tf.GradientTape() as tape:
        loss = loss_of_logits(discriminator(generator(latent, training=True), training=False))
    gradients = tape.gradient(loss, generator.trainable_weights)
    for weight, gradient in zip(generator.trainable_weights, gradients, strict=True):
        weight.assign(weight - learning_rate * gradient)
    return [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]


@exercise("03.3", "one training step of the forger against a fixed expert")
def _check_forger_step(forger_step) -> str:
    import tensorflow as tf

    learning_rate = 0.05
    latent = keras.random.normal((64, 2), seed=5)
    generator, discriminator = _small_players(seed=5)
    start = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    expert_before = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    call(forger_step, generator, discriminator, keras.optimizers.SGD(learning_rate), latent)
    got = [np.array(keras.ops.convert_to_numpy(w)) for w in generator.weights]
    expert_after = [np.array(keras.ops.convert_to_numpy(w)) for w in discriminator.weights]
    if any(not np.array_equal(a, b) for a, b in zip(expert_before, expert_after, strict=True)):
        raise WrongAnswer("the expert's weights changed: the forger's step takes gradients with respect to "
                          "generator.trainable_weights only, and the expert stays fixed")
    if all(np.array_equal(a, b) for a, b in zip(start, got, strict=True)):
        raise WrongAnswer("the forger's weights did not move: apply the gradients with the optimizer")

    def same_as(loss_of_logits):
        reference = _reference_forger_step(latent, learning_rate, loss_of_logits)
        return all(np.allclose(a, b, rtol=1e-4, atol=1e-6) for a, b in zip(got, reference, strict=True))

    if same_as(lambda logits: tf.reduce_mean(tf.nn.softplus(-logits))):
        return "one step on the mean of -log D(G(z)) moved the forger's weights exactly as the reference step"
    if same_as(lambda logits: tf.reduce_sum(tf.nn.softplus(-logits))):
        raise WrongAnswer("the step is 64 times too large: average the loss over the batch (mean), do not sum it")
    if same_as(lambda logits: tf.reduce_mean(-tf.nn.softplus(logits))):
        raise WrongAnswer("that is a step on log(1 - D(G(z))), the saturating loss; use -log D(G(z))")
    raise WrongAnswer("the forger's weights moved, but not as one step on the mean of -log D(G(z)) = "
                      "softplus(-logits); check the loss and that the fakes go through the expert")
