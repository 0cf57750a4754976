"""What the course's recipes share: settings with overrides, the digit game and its training loop.

The digit recipes of chapter 04 (`ganlib.recipes.digits`) and chapter 08
(`ganlib.recipes.conditional`) differ only in labels; the toy recipes of chapters 05-06
(`ganlib.recipes.toy`) share the settings check and the moving average of the forger's weights.
"""

from __future__ import annotations

import keras

from ganlib import callbacks as ganlib_callbacks
from ganlib import data
from ganlib.gan import GAN


def with_overrides(defaults: dict, overrides: dict, what: str = "recipe") -> dict:
    """``defaults`` with some settings overridden; an unknown setting is a ValueError that lists the known ones."""
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ValueError(f"unknown {what} settings {unknown}; expected some of {sorted(defaults)}")
    return {**defaults, **overrides}


def with_generator_average(callbacks, momentum: float) -> list:
    """``callbacks``, plus `ganlib.callbacks.GeneratorAverage` when ``momentum`` is above 0 (chapter 04)."""
    extra = list(callbacks)
    if momentum:
        extra.append(ganlib_callbacks.GeneratorAverage(momentum))
    return extra


def compiled_digits_gan(generator, discriminator, recipe: dict, seed: int, num_classes: int | None = None) -> GAN:
    """The digit recipes' game: the non-saturating loss and two Adam optimizers with the recipe's settings."""
    gan = GAN(
        generator, discriminator, loss="non_saturating", update_order=recipe["update_order"],
        num_classes=num_classes, seed=seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(recipe["d_learning_rate"], beta_1=recipe["beta_1"]),
        g_optimizer=keras.optimizers.Adam(recipe["g_learning_rate"], beta_1=recipe["beta_1"]),
    )
    return gan


def check_budget(name: str, seconds, epochs) -> None:
    """A digit recipe trains for a wall-clock budget, a number of epochs, or both; never for neither."""
    if seconds is None and epochs is None:
        raise ValueError(f"{name} needs seconds= or epochs= (or both); got neither")


def fit_digits(gan, images, labels, recipe: dict, seed: int, seconds, epochs, callbacks, progress: bool,
               spent: float = 0.0):
    """Fit a digit recipe for a wall-clock budget and/or epochs (whichever ends first); return ``(gan, history)``.

    ``labels`` is None for the plain game, the k-means groups for chapter 04's self-conditioned game,
    the digits' labels for chapter 08's. The forger
    takes the moving average of its weights at the end when the recipe's ``generator_average``
    is above 0; a progress bar shows the epochs, or the budget when ``seconds`` is given (``spent``:
    seconds of the budget already used before training, shown as part of it).
    """
    dataset = data.make_dataset(images, recipe["batch_size"], seed=seed, labels=labels)
    extra = with_generator_average(callbacks, recipe["generator_average"])
    verbose = "auto" if progress else 0
    if seconds is not None:
        extra.append(ganlib_callbacks.TimeBudget(seconds, progress=progress, spent=spent))
        verbose = 0
    history = gan.fit(dataset, epochs=epochs or 1_000_000, verbose=verbose, callbacks=extra)
    return gan, history
