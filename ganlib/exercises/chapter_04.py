"""Checks for the exercises of chapter 04: digits (DCGAN)."""

from __future__ import annotations

import keras
import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, expect_shape, numbers, prediction_verdict
from ganlib.recipes.digits import DIGITS_RECIPE


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


#: Exercise 04.2's run: about as many steps as this chapter's game takes.
RUN_STEPS = 2000
#: Exercise 04.2's line: a random start that still holds more than this share of the average spoils it.
SPOILED_SHARE = 0.01


def _start_share(steps: int, warm_up: bool, first: int = 1, ceiling: float = 0.999) -> float:
    """The share of the starting weights left in the moving average after ``steps`` steps (reference).

    ``first`` is the count of the first step and ``ceiling`` the momentum's cap; other values name mistakes.
    """
    step = np.arange(first, first + steps, dtype=np.float64)
    step_momentum = np.minimum(ceiling, (1.0 + step) / (10.0 + step)) if warm_up else np.full(steps, 0.999)
    return float(np.prod(step_momentum))


@exercise("04.2", "how much of the random start is left in the forger's moving average, with and without warm-up")
def _check_start_share(answer) -> str:
    start_share, needs_warm_up = answer
    for steps in (1, 10, 500, 20_000):
        for warm_up in (False, True):
            what = f"start_share({steps}, warm_up={warm_up})"
            expected = _start_share(steps, warm_up)
            expect_close(numbers(call(start_share, steps, warm_up), what), np.asarray(expected), what,
                         rtol=1e-6, atol=0.0, mistakes=[
                (_start_share(steps, warm_up, first=0), "the callback counts the first step as t = 1, so its "
                 "first momentum is (1 + 1) / (10 + 1) = 2/11"),
                (_start_share(steps, warm_up, ceiling=np.inf), "keep the min(): once (1 + t) / (10 + t) passes "
                 "0.999 (after about 9,000 steps) the momentum stays 0.999"),
                (1.0 - expected, "that is the share of all the later weights; the starting weights keep the "
                 "product of the momenta"),
            ])
    if not isinstance(needs_warm_up, bool):
        raise WrongAnswer(f"needs_warm_up should be True or False; got {needs_warm_up!r}")
    without, with_warm_up = _start_share(RUN_STEPS, False), _start_share(RUN_STEPS, True)
    if needs_warm_up != (without > SPOILED_SHARE):
        raise WrongAnswer(f"needs_warm_up: after {RUN_STEPS:,} steps without a warm-up the random start still "
                          f"holds {without:.1%} of the average (the line is {SPOILED_SHARE:.0%})")
    return (f"after {RUN_STEPS:,} steps the random start holds {without:.1%} of a plain average with momentum "
            f"0.999, and {with_warm_up:.1e} with the warm-up: so GeneratorAverage warms up")


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


#: The outcomes a prediction of exercise 04.4 names: how the expert's lead changes without the forger's batch norm.
OUTCOMES = ("the expert leads by more", "about the same", "the expert leads by less")
_MARGIN = 0.1  # leads closer than this count as "about the same"
_LATENT_DIM, _WIDTH = DIGITS_RECIPE["latent_dim"], DIGITS_RECIPE["width"]  # the chapter-04 recipe's forger


def _relu_count(model: keras.Model) -> int:
    count = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.ReLU):
            count += 1
        elif getattr(getattr(layer, "activation", None), "__name__", "") == "relu":
            count += 1
    return count


def _check_same_forger_but_norms(forger) -> None:
    """Refuse a forger that keeps batch normalization, or that changes more than the batch normalization."""
    if not isinstance(forger, keras.Model):
        raise WrongAnswer(f"forger_without_batch_norm should return a keras.Model; got {type(forger).__name__}")
    norms = [layer.name for layer in forger.layers if isinstance(layer, keras.layers.BatchNormalization)]
    if norms:
        raise WrongAnswer(f"the setting was not changed: your forger still has batch normalization "
                          f"({', '.join(norms)}). The experiment leaves out both of the recipe's BatchNormalization "
                          "layers")
    dense = [layer.units for layer in forger.layers if isinstance(layer, keras.layers.Dense)]
    transposed = [(layer.filters, tuple(layer.kernel_size), tuple(layer.strides)) for layer in forger.layers
                  if isinstance(layer, keras.layers.Conv2DTranspose)]
    expected = [(2 * _WIDTH, (4, 4), (2, 2)), (1, (4, 4), (2, 2))]
    if dense != [7 * 7 * 4 * _WIDTH] or transposed != expected or _relu_count(forger) != 2:
        raise WrongAnswer(
            f"change one setting only: keep the recipe's layers (a Dense layer to 7*7*{4 * _WIDTH} numbers and a "
            f"ReLU, a Reshape to 7x7x{4 * _WIDTH}, a Conv2DTranspose to {2 * _WIDTH} feature maps with kernel 4 and "
            "strides 2 and a ReLU, a last Conv2DTranspose to 1 feature map with kernel 4 and strides 2, and a tanh); "
            f"yours has Dense units {dense}, Conv2DTranspose (filters, kernel, strides) {transposed} and "
            f"{_relu_count(forger)} ReLUs"
        )
    latent = keras.random.normal((3, _LATENT_DIM), seed=6)
    try:
        images = numbers(forger(100.0 * latent), "the images")
    except WrongAnswer:
        raise
    except Exception as error:  # a model that cannot take latent vectors of size 64
        raise WrongAnswer(f"the forger could not paint from latent vectors of size {_LATENT_DIM}: {error}") from None
    expect_shape(images, (3, 28, 28, 1), "the images")
    if images.min() < -1.0 or images.max() > 1.0:
        raise WrongAnswer("keep the recipe's last tanh: the pixels must stay in [-1, 1], like the real digits")


def _play(short_game, generator, what: str) -> tuple[int, float, float]:
    """Play ``short_game`` with ``generator``; return its steps and the last epoch's D(real) and D(fake)."""
    from ganlib.gan import GAN

    gan = call(short_game, generator)
    if not isinstance(gan, GAN) or gan.generator is not generator:
        raise WrongAnswer(f"short_game should return the ganlib.GAN it trained with the forger it was given; "
                          f"for {what} it returned {type(gan).__name__}")
    steps = int(gan.g_optimizer.iterations.numpy())
    history = getattr(getattr(gan, "history", None), "history", {})
    if steps < 1 or not history.get("d_real"):
        raise WrongAnswer(f"short_game did not train {what} with fit(): its optimizer made {steps} steps")
    return steps, float(history["d_real"][-1]), float(history["d_fake"][-1])


_WHY = {
    "the expert leads by more": (
        "Batch normalization rescales each feature of a forger's layer to zero mean and unit variance over the "
        "batch: the forger's signals stay well scaled while its weights move, and latent vectors that drift "
        "towards the same painting are pulled apart again. Without it the forger learns more slowly and drifts "
        "towards a few kinds of painting (Radford et al. saw it collapse all samples onto a single point), and "
        "the expert has an easy time telling such forgeries from real digits: its verdicts on real and forged "
        "digits stay far apart"
    ),
    "about the same": (
        "Batch normalization keeps the forger's signals well scaled and its paintings apart while its weights "
        "move; in this run the forger without it happened to keep up. Try another seed in short_game: the "
        "expert usually pulls ahead without it"
    ),
    "the expert leads by less": (
        "Batch normalization keeps the forger's signals well scaled and its paintings apart while its weights "
        "move; in this run the forger without it happened to do better. Try another seed in short_game: the "
        "expert usually pulls ahead without it"
    ),
}


@exercise("04.4", "experiment: predict what leaving out the forger's batch normalization does, then measure it")
def _check_batch_norm_experiment(answer) -> str:
    if not (isinstance(answer, tuple) and len(answer) == 3):
        raise WrongAnswer("pass the tuple (prediction, forger_without_batch_norm, short_game)")
    prediction, forger_without_batch_norm, short_game = answer
    if prediction not in OUTCOMES:
        raise WrongAnswer(f"write your prediction as one of {', '.join(repr(outcome) for outcome in OUTCOMES)}; "
                          f"got {prediction!r}")
    from ganlib import models

    _check_same_forger_but_norms(call(forger_without_batch_norm, _LATENT_DIM, _WIDTH))
    keras.utils.set_random_seed(0)
    recipe_steps, *with_norm = _play(short_game, models.dcgan_generator(_LATENT_DIM, _WIDTH), "the recipe's forger")
    keras.utils.set_random_seed(0)
    own_steps, *without_norm = _play(short_game, call(forger_without_batch_norm, _LATENT_DIM, _WIDTH),
                                     "the forger without batch normalization")
    if own_steps != recipe_steps:
        raise WrongAnswer(f"the two games should be equally long; the recipe's forger trained {recipe_steps} steps, "
                          f"yours {own_steps}")
    lead_with, lead_without = with_norm[0] - with_norm[1], without_norm[0] - without_norm[1]
    difference = lead_without - lead_with
    measured = OUTCOMES[0] if difference > _MARGIN else OUTCOMES[2] if difference < -_MARGIN else OUTCOMES[1]
    numbers_text = (
        f"the game says {measured!r}: in the last of {own_steps} steps the expert's lead D(real) - D(fake) was "
        f"{lead_without:.2f} against the forger without batch normalization (D(real) {without_norm[0]:.2f}, "
        f"D(fake) {without_norm[1]:.2f}) and {lead_with:.2f} against the recipe's forger (D(real) {with_norm[0]:.2f}, "
        f"D(fake) {with_norm[1]:.2f})"
    )
    return prediction_verdict(prediction, measured, numbers_text, _WHY[measured])
