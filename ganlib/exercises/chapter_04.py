"""Checks for the exercises of chapter 04: digits (DCGAN)."""

from __future__ import annotations

import keras
import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, expect_shape, numbers


@exercise("04.1", "a DCGAN forger: latent vector -> 28x28x1 image in [-1, 1]")
def _check_build_forger(build_forger) -> str:
    forger = call(build_forger, 16)
    if not isinstance(forger, keras.Model):
        raise WrongAnswer(f"build_forger should return a keras.Model; got {type(forger).__name__}")
    latent = keras.random.normal((3, 16), seed=6)
    try:
        images = numbers(forger(latent), "the images")
    except WrongAnswer:
        raise
    except Exception as error:  # a model that cannot take latent vectors of size 16
        raise WrongAnswer(f"the forger could not paint from 3 latent vectors of size 16: {error}") from None
    expect_shape(images, (3, 28, 28, 1), "the images", "Each Conv2DTranspose with strides=2 and padding='same' "
                  "doubles the size: 7x7 -> 14x14 -> 28x28, and the last one has 1 channel.")
    extreme = numbers(forger(100.0 * latent), "the images")
    if extreme.min() < -1.0 or extreme.max() > 1.0:
        raise WrongAnswer(f"for large latent vectors the pixels reach {extreme.min():.1f}..{extreme.max():.1f}; "
                          "end with a tanh activation so every image stays in [-1, 1] like the real ones")
    return f"{forger.count_params():,} weights, images of shape (28, 28, 1) in [-1, 1]"


@exercise("04.2", "one update of the moving average of the forger's weights")
def _check_ema_update(ema_update) -> str:
    rng = np.random.default_rng(7)
    average, weights = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    got = numbers(call(ema_update, average, weights, 0.9), "the new average")
    expect_shape(got, average.shape, "the new average")
    expected = 0.9 * average + 0.1 * weights
    expect_close(got, expected, "the new average", mistakes=[
        (0.1 * average + 0.9 * weights, "the weights are swapped: the old average keeps the weight `momentum` "
         "(0.9) and the new weights get 1 - momentum (0.1), so the average moves slowly"),
    ])
    return "average <- momentum * average + (1 - momentum) * weights"


@exercise("04.3", "a convolutional expert: 28x28x1 image -> one logit, no batch normalization")
def _check_build_expert(build_expert) -> str:
    expert = call(build_expert)
    if not isinstance(expert, keras.Model):
        raise WrongAnswer(f"build_expert should return a keras.Model; got {type(expert).__name__}")
    images = np.random.default_rng(8).uniform(-1, 1, (5, 28, 28, 1)).astype(np.float32)
    logits = numbers(expert(images), "the verdicts")
    expect_shape(logits, (5, 1), "the verdicts", "End with Flatten() and Dense(1): one logit per image.")
    norms = [layer.name for layer in expert.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if norms:
        raise WrongAnswer(f"remove the batch normalization ({', '.join(norms)}): the expert sees real and fake "
                          "batches separately, so batch statistics would give the fakes away")
    last = expert.layers[-1]
    activation = getattr(last, "activation", None)
    if activation is not None and getattr(activation, "__name__", "linear") not in ("linear", "identity"):
        raise WrongAnswer(f"the last layer applies {activation.__name__}; return the raw logit (no activation), "
                          "the losses take logits")
    if not any(isinstance(layer, keras.layers.Conv2D) and tuple(layer.strides) == (2, 2) for layer in expert.layers):
        raise WrongAnswer("use strided convolutions (Conv2D with strides=2) to go from 28x28 down to 7x7")
    return f"{expert.count_params():,} weights, one logit per image, no batch normalization"
