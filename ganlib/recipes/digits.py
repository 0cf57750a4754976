"""The chapter-04 recipe: a DCGAN that draws recognizable digits on a laptop CPU.

Used by chapter 04, by ``python -m ganlib train digits`` and by ``benchmarks/digits.py``;
chapters 07-09 train their forgers with it. What makes it fast on a CPU (``benchmarks/digits.py``
measures each):

- small players (``width=32``: 64 and 128 channels in the expert);
- bfloat16 arithmetic where the CPU has bf16 units (`ganlib.runtime.resolve_precision`), float32 elsewhere;
- an exponential moving average of the forger's weights (`ganlib.callbacks.GeneratorAverage`), which
  draws cleaner strokes than the last, still jittery, weights of a short run.

Explained in chapter 04.
"""

from __future__ import annotations

import keras

from ganlib import data, models, runtime
from ganlib.gan import GAN
from ganlib.recipes._shared import check_budget, compiled_digits_gan, fit_digits, with_overrides

#: The recipe's settings; ``train_digits`` and the command line take them as keyword arguments.
DIGITS_RECIPE = {
    "latent_dim": 64,
    "width": 32,
    "batch_size": 64,
    "d_learning_rate": 1e-3,
    "g_learning_rate": 1e-3,
    "beta_1": 0.5,
    "generator_average": 0.999,
    "update_order": "sequential",
}


def digits_gan(seed: int = 0, precision: str = "auto", **settings) -> GAN:
    """A compiled `GAN` with the recipe's players and optimizers (any setting can be overridden)."""
    recipe = with_overrides(DIGITS_RECIPE, settings)
    with runtime.dtype_policy(runtime.resolve_precision(precision)):
        generator = models.dcgan_generator(recipe["latent_dim"], recipe["width"])
        discriminator = models.dcgan_discriminator(recipe["width"])
    return compiled_digits_gan(generator, discriminator, recipe, seed)


def export_generator(gan: GAN) -> keras.Model:
    """A float32 copy of the forger, to save and share: it runs on any machine, bf16 units or not.

    Mixed precision keeps its weights in float32 already, so the copy computes the same
    function at full precision. Explained in chapter 04.
    """

    def float32_layer(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})

    with runtime.dtype_policy("float32"):
        generator = keras.models.clone_model(gan.generator, clone_function=float32_layer)
    generator.set_weights(gan.generator.get_weights())
    return generator


def train_digits(
    seconds: float | None = None,
    epochs: int | None = None,
    seed: int = 0,
    precision: str = "auto",
    callbacks=(),
    progress: bool = True,
    images=None,
    **settings,
):
    """Train the recipe on the bundled training digits; return ``(gan, history)``.

    Give a wall-clock budget ``seconds``, a number of ``epochs``, or both (whichever ends
    first). ``images`` (float, in [-1, 1]) replaces the bundled digits. With the recipe's
    ``generator_average`` momentum above 0, the forger takes the moving average of its
    weights when training ends (`ganlib.callbacks.GeneratorAverage`). Explained in chapter 04.
    """
    check_budget("train_digits", seconds, epochs)
    runtime.set_seed(seed)
    if images is None:
        images = data.scale_images(data.load_digits(split="train")[0])
    gan = digits_gan(seed=seed, precision=precision, **settings)
    recipe = {**DIGITS_RECIPE, **settings}
    return fit_digits(gan, images, None, recipe, seed, seconds, epochs, callbacks, progress)
