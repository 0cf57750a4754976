"""The chapter-04 recipe: a DCGAN that draws recognizable digits on a laptop CPU in about a minute.

Used by chapter 04, by ``python -m ganlib train digits`` and by ``benchmarks/digits.py``;
chapters 07-09 train their forgers with it. Explained in chapter 04.

What makes it fast on a CPU (each measured by ``benchmarks/digits.py``):
- small players (``width=32``: 64 and 128 channels in the expert);
- bfloat16 arithmetic where the CPU has bf16 units (Intel AMX or AVX512-BF16), float32 elsewhere;
- an exponential moving average of the forger's weights (`callbacks.GeneratorAverage`), which
  draws cleaner strokes than the last, still jittery, weights of a short run.
"""

from __future__ import annotations

import contextlib
import pathlib

import keras

from ganlib import callbacks as ganlib_callbacks
from ganlib import data, models, runtime
from ganlib.gan import GAN

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
PRECISIONS = ("auto", "float32", "bfloat16")


def cpu_has_bf16_units() -> bool:
    """True when this CPU advertises bfloat16 matrix or vector units (AMX-BF16 or AVX512-BF16)."""
    flags_file = pathlib.Path("/proc/cpuinfo")
    if not flags_file.exists():
        return False
    flags = flags_file.read_text(errors="ignore")
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(precision: str = "auto") -> str:
    """``"auto"`` becomes ``"bfloat16"`` on CPUs with bf16 units, else ``"float32"``.

    On a GPU, mixed precision is chapter 11's subject; ``"auto"`` keeps float32 there.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}")
    if precision != "auto":
        return precision
    import tensorflow as tf

    on_cpu_only = not tf.config.list_physical_devices("GPU")
    return "bfloat16" if on_cpu_only and cpu_has_bf16_units() else "float32"


@contextlib.contextmanager
def dtype_policy(precision: str):
    """Build layers under ``mixed_bfloat16`` (or float32) and restore the global policy afterwards.

    Layers keep the policy they were built with, so the rest of a notebook is unaffected.
    """
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)


def digits_gan(seed: int = 0, precision: str = "auto", **settings) -> GAN:
    """A compiled `GAN` with the recipe's players and optimizers (any setting can be overridden)."""
    unknown = sorted(set(settings) - set(DIGITS_RECIPE))
    if unknown:
        raise ValueError(f"unknown recipe settings {unknown}; expected some of {sorted(DIGITS_RECIPE)}")
    recipe = {**DIGITS_RECIPE, **settings}
    with dtype_policy(resolve_precision(precision)):
        generator = models.dcgan_generator(recipe["latent_dim"], recipe["width"])
        discriminator = models.dcgan_discriminator(recipe["width"])
    gan = GAN(generator, discriminator, loss="non_saturating", update_order=recipe["update_order"], seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(recipe["d_learning_rate"], beta_1=recipe["beta_1"]),
        g_optimizer=keras.optimizers.Adam(recipe["g_learning_rate"], beta_1=recipe["beta_1"]),
    )
    return gan


def export_generator(gan: GAN) -> keras.Model:
    """A float32 copy of the forger, to save and share: it runs on any machine, bf16 units or not.

    Mixed precision keeps its weights in float32 already, so the copy computes the same
    function at full precision.
    """

    def float32_layer(layer):
        return layer.__class__.from_config({**layer.get_config(), "dtype": "float32"})

    with dtype_policy("float32"):
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
    weights when training ends (`ganlib.callbacks.GeneratorAverage`).
    """
    if seconds is None and epochs is None:
        raise ValueError("train_digits needs seconds= or epochs= (or both); got neither")
    runtime.set_seed(seed)
    if images is None:
        images = data.scale_images(data.load_digits(split="train")[0])
    gan = digits_gan(seed=seed, precision=precision, **settings)
    recipe = {**DIGITS_RECIPE, **settings}
    dataset = data.make_dataset(images, recipe["batch_size"], seed=seed)
    extra = list(callbacks)
    if recipe["generator_average"]:
        extra.append(ganlib_callbacks.GeneratorAverage(recipe["generator_average"]))
    verbose = "auto" if progress else 0
    if seconds is not None:
        extra.append(ganlib_callbacks.TimeBudget(seconds, progress=progress))
        verbose = 0
    history = gan.fit(dataset, epochs=epochs or 1_000_000, verbose=verbose, callbacks=extra)
    return gan, history
