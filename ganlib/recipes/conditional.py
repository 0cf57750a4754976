"""The conditional digits recipe: forgeries on commission.

Chapter 04's recipe (`ganlib.recipes.digits`) with the players told which digit to paint, and
the two numbers chapter 08 asks of the result: digits painted on request (`commissioned_digits`)
and how often the bundled classifier sees the digit that was asked for (`commission_agreement`).
Used by chapter 08 and ``python -m ganlib train conditional-digits``. Explained in chapter 08.
"""

from __future__ import annotations

import keras
import numpy as np

from ganlib import checks, data, metrics, models, runtime
from ganlib.gan import GAN
from ganlib.recipes._shared import check_budget, compiled_digits_gan, fit_digits, with_overrides
from ganlib.recipes.digits import DIGITS_RECIPE

#: The conditional recipe's settings: chapter 04's, with the players told which digit to paint, at chapter 08's
#: width 32. (``benchmarks/digits.py --parts conditional`` measured chapter 04's width 24 a little ahead in 120 s.)
CONDITIONAL_DIGITS_RECIPE = {
    **{name: value for name, value in DIGITS_RECIPE.items() if name != "num_clusters"},
    "width": 32,
    "num_classes": 10,
    "embedding_dim": 16,
    "projection": True,
}


def conditional_digits_gan(seed: int = 0, precision: str = "auto", **settings) -> GAN:
    """A compiled conditional `GAN`: `models.conditional_dcgan_generator` against a projection expert.

    Any setting of ``CONDITIONAL_DIGITS_RECIPE`` can be overridden. Explained in chapter 08.
    """
    recipe = with_overrides(CONDITIONAL_DIGITS_RECIPE, settings)
    with runtime.dtype_policy(runtime.resolve_precision(precision)):
        generator = models.conditional_dcgan_generator(
            recipe["latent_dim"], recipe["num_classes"], recipe["width"], recipe["embedding_dim"]
        )
        discriminator = models.conditional_dcgan_discriminator(
            recipe["num_classes"], recipe["width"], projection=recipe["projection"]
        )
    return compiled_digits_gan(generator, discriminator, recipe, seed, num_classes=recipe["num_classes"])


def train_conditional_digits(
    seconds: float | None = None,
    epochs: int | None = None,
    seed: int = 0,
    precision: str = "auto",
    callbacks=(),
    progress: bool = True,
    images=None,
    labels=None,
    **settings,
):
    """Train the conditional recipe on the bundled training digits and their labels; return ``(gan, history)``.

    As `ganlib.recipes.train_digits`: a wall-clock budget ``seconds``, a number of ``epochs``, or
    both (whichever ends first), and the moving average of the forger's weights at the end.
    ``images`` (float, in [-1, 1]) and ``labels`` (integers) replace the bundled digits together.
    Explained in chapter 08.
    """
    check_budget("train_conditional_digits", seconds, epochs)
    if (images is None) != (labels is None):
        raise ValueError("give images= and labels= together (or neither, for the bundled digits)")
    runtime.set_seed(seed)
    if images is None:
        raw_images, labels = data.load_digits(split="train")
        images = data.scale_images(raw_images)
    gan = conditional_digits_gan(seed=seed, precision=precision, **settings)
    recipe = {**CONDITIONAL_DIGITS_RECIPE, **settings}
    return fit_digits(gan, images, labels, recipe, seed, seconds, epochs, callbacks, progress)


def commissioned_digits(generator, num_per_digit: int = 100, seed: int = 0):
    """Ask a conditional digit forger for ``num_per_digit`` of each digit; return ``(images, labels)``.

    ``generator`` is a conditional `GAN` with 10 classes or its (exported) generator model, inputs
    ``[latent, labels]``. The labels are ``0, 1, ..., 9, 0, 1, ...`` and the latent vectors those of
    ``gan.generate(n, seed=seed)``, so a GAN and its exported generator paint the same digits.
    Explained in chapter 08.
    """
    count = checks.check_positive_int("num_per_digit", num_per_digit) * 10
    labels = (np.arange(count) % 10).astype(np.int32)
    if isinstance(generator, GAN):
        if generator.num_classes != 10:
            raise ValueError(f"expected a conditional GAN of the 10 digits; got num_classes={generator.num_classes}")
        return generator.generate(count, seed=seed, labels=labels), labels
    input_shapes = getattr(generator, "input_shape", None) if isinstance(generator, keras.Model) else None
    if not isinstance(input_shapes, list) or len(input_shapes) != 2 or len(input_shapes[0]) != 2:
        raise ValueError(
            "expected a conditional ganlib.GAN or a generator with inputs [latent (batch, latent_dim), "
            f"labels (batch,)]; got {type(generator).__name__} with inputs {input_shapes}"
        )
    latent = keras.random.normal((count, input_shapes[0][1]), seed=seed)
    images = generator.predict([latent, labels], batch_size=500, verbose=0)
    return images.astype(np.float32), labels


def commission_agreement(images, labels, confidence: float = 0.9) -> dict:
    """How often the bundled digit classifier (chapter 07) sees the digit that was asked for.

    Returns a JSON-ready dict: ``recognized`` (share of images whose most probable digit is the
    requested one) and ``confident`` (the same, with a probability above ``confidence``), overall
    and per digit (lists of 10), and ``num_samples``. Explained in chapter 08.
    """
    try:
        labels = checks.check_labels(labels, 10)
    except ValueError as error:
        raise ValueError(f"labels must be digits 0..9, one per image; {error}") from error
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1); got {confidence!r}")
    probabilities = metrics.digit_probabilities(images)
    if len(probabilities) != len(labels):
        raise ValueError(f"expected one label per image: {len(probabilities)} images, {len(labels)} labels")
    missing = sorted(set(range(10)) - set(labels.tolist()))
    if missing:
        raise ValueError(f"need samples of every digit to report per digit; none asked for {missing}")
    recognized = probabilities.argmax(axis=1) == labels
    confident = recognized & (probabilities.max(axis=1) > confidence)
    return {
        "num_samples": int(len(labels)),
        "recognized": float(recognized.mean()),
        "confident": float(confident.mean()),
        "recognized_per_digit": [float(recognized[labels == digit].mean()) for digit in range(10)],
        "confident_per_digit": [float(confident[labels == digit].mean()) for digit in range(10)],
    }
