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


def _fit_recipe(gan, dataset, recipe, seconds, epochs, callbacks, progress):
    """Fit a digits recipe for a wall-clock budget and/or epochs; return ``(gan, history)``.

    Shared by `train_digits` (chapter 04) and `train_conditional_digits` (chapter 08): the
    moving average of the forger's weights when the recipe asks for it, and a progress bar.
    """
    extra = list(callbacks)
    if recipe["generator_average"]:
        extra.append(ganlib_callbacks.GeneratorAverage(recipe["generator_average"]))
    verbose = "auto" if progress else 0
    if seconds is not None:
        extra.append(ganlib_callbacks.TimeBudget(seconds, progress=progress))
        verbose = 0
    history = gan.fit(dataset, epochs=epochs or 1_000_000, verbose=verbose, callbacks=extra)
    return gan, history


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
    return _fit_recipe(gan, dataset, recipe, seconds, epochs, callbacks, progress)


# =====================================================================================
# Toy recipes: the 2-D benchmarks (ring of 8 and grid of 25 Gaussians) of chapters 05-06.
# Used by chapters 05 and 06, ``benchmarks/modes.py`` and ``python -m ganlib train ring|grid``.
# =====================================================================================
#: Every setting a toy recipe has, with its default (the plain game of chapter 03).
TOY_DEFAULTS = {
    "loss": "non_saturating",
    "latent_dim": 2,
    "g_width": 128,
    "g_depth": 3,
    "g_batch_normalization": False,
    "d_width": 128,
    "d_depth": 3,
    "spectral_normalization": False,
    "pack": 1,
    "d_steps": 1,
    "label_smoothing": 0.0,
    "gradient_penalty": 0.0,
    "update_order": "sequential",
    "d_learning_rate": 1e-3,
    "g_learning_rate": 1e-3,
    "beta_1": 0.5,
    "beta_2": 0.999,
    "batch_size": 256,
    "steps": 2000,
    "learning_rate_decay": "constant",
    "generator_average": 0.0,
}
#: How the learning rates change over a run of ``steps`` steps (chapter 06): kept constant, or
#: decayed to 0 at the last step along a straight line or half a cosine.
LEARNING_RATE_DECAYS = ("constant", "linear", "cosine")

#: Named recipes: each overrides some of ``TOY_DEFAULTS``. Chapter 06 measures them all.
TOY_RECIPES = {
    "plain": {},
    "minimax": {"loss": "minimax"},
    "label_smoothing": {"label_smoothing": 0.1},
    "hinge_sn": {"loss": "hinge", "spectral_normalization": True},
    "wgan_gp": {"loss": "wasserstein", "gradient_penalty": 10.0, "d_steps": 5, "beta_2": 0.9},
    "ttur": {"d_learning_rate": 2e-3, "g_learning_rate": 5e-4},
    "packed": {"pack": 4},
    "averaged": {"generator_average": 0.999},
    # twice the learning rate, weight average, four times the steps
    "long_averaged": {"d_learning_rate": 2e-3, "g_learning_rate": 2e-3, "generator_average": 0.999, "steps": 8000},
    # long_averaged with 4 times the batch and the learning rates decayed to 0 along half a cosine
    "decayed_large_batch": {
        "d_learning_rate": 2e-3, "g_learning_rate": 2e-3, "generator_average": 0.999, "steps": 8000,
        "batch_size": 1024, "learning_rate_decay": "cosine",
    },
    # the winner of chapter 06's search: decayed_large_batch for twice the steps
    "decayed_large_batch_long": {
        "d_learning_rate": 2e-3, "g_learning_rate": 2e-3, "generator_average": 0.999, "steps": 16000,
        "batch_size": 1024, "learning_rate_decay": "cosine",
    },
}

#: The recipe ``python -m ganlib train ring|grid`` uses when none is named.
BEST_TOY_RECIPE = "decayed_large_batch_long"
TOY_DATASETS = ("ring", "grid")


def toy_settings(recipe: str = BEST_TOY_RECIPE, **overrides) -> dict:
    """The full settings of a named toy recipe, with any of them overridden."""
    if recipe not in TOY_RECIPES:
        raise ValueError(f"unknown toy recipe {recipe!r}; expected one of {sorted(TOY_RECIPES)}")
    unknown = sorted(set(overrides) - set(TOY_DEFAULTS))
    if unknown:
        raise ValueError(f"unknown toy settings {unknown}; expected some of {sorted(TOY_DEFAULTS)}")
    settings = {**TOY_DEFAULTS, **TOY_RECIPES[recipe], **overrides}
    if settings["learning_rate_decay"] not in LEARNING_RATE_DECAYS:
        raise ValueError(
            f"learning_rate_decay must be one of {LEARNING_RATE_DECAYS}; got {settings['learning_rate_decay']!r}"
        )
    if not isinstance(settings["g_batch_normalization"], bool):
        raise ValueError(f"g_batch_normalization must be True or False; got {settings['g_batch_normalization']!r}")
    return settings


def learning_rate(initial: float, decay: str, updates: int):
    """A learning rate for Adam: ``initial`` kept constant, or decayed to 0 over ``updates`` updates.

    ``decay`` is ``"constant"``, ``"linear"`` or ``"cosine"``. Small late steps let the forger
    settle on the modes instead of jittering around them. Explained in chapter 06.
    """
    if decay not in LEARNING_RATE_DECAYS:
        raise ValueError(f"decay must be one of {LEARNING_RATE_DECAYS}; got {decay!r}")
    if not isinstance(updates, int) or updates < 1:
        raise ValueError(f"updates must be a positive integer; got {updates!r}")
    if decay == "linear":
        return keras.optimizers.schedules.PolynomialDecay(initial, updates, end_learning_rate=0.0, power=1.0)
    if decay == "cosine":
        return keras.optimizers.schedules.CosineDecay(initial, updates, alpha=0.0)
    return initial


def sample_toy(dataset: str, num_samples: int, seed: int | None = None):
    """Real samples of a toy benchmark, ``"ring"`` or ``"grid"``, shape ``(n, 2)``."""
    if dataset == "ring":
        return data.sample_ring(num_samples, seed)
    if dataset == "grid":
        return data.sample_grid(num_samples, seed)
    raise ValueError(f"dataset must be one of {TOY_DATASETS}; got {dataset!r}")


def toy_gan(recipe: str = BEST_TOY_RECIPE, seed: int = 0, **overrides) -> GAN:
    """A compiled `GAN` for the 2-D benchmarks with a named recipe's players, game and optimizers.

    The expert's two optimizers may differ (two time-scale learning rates, TTUR). A decaying
    learning rate reaches 0 after the recipe's ``steps`` steps (the expert's optimizer after
    ``steps * d_steps`` updates). Explained in chapter 06.
    """
    settings = toy_settings(recipe, **overrides)
    runtime.set_seed(seed)
    generator = models.mlp_generator(
        settings["latent_dim"], 2, settings["g_width"], settings["g_depth"],
        batch_normalization=settings["g_batch_normalization"],
    )
    discriminator = models.mlp_discriminator(
        2 * settings["pack"], settings["d_width"], settings["d_depth"], settings["spectral_normalization"]
    )
    gan = GAN(
        generator,
        discriminator,
        loss=settings["loss"],
        d_steps=settings["d_steps"],
        label_smoothing=settings["label_smoothing"],
        gradient_penalty=settings["gradient_penalty"],
        update_order=settings["update_order"],
        pack=settings["pack"],
        seed=seed,
    )
    betas = {"beta_1": settings["beta_1"], "beta_2": settings["beta_2"]}
    decay, steps = settings["learning_rate_decay"], settings["steps"]
    gan.compile(
        d_optimizer=keras.optimizers.Adam(
            learning_rate(settings["d_learning_rate"], decay, steps * settings["d_steps"]), **betas
        ),
        g_optimizer=keras.optimizers.Adam(learning_rate(settings["g_learning_rate"], decay, steps), **betas),
    )
    return gan


def _steps_per_epoch(steps: int, at_most: int = 100) -> int:
    """The largest divisor of ``steps`` up to ``at_most``: epochs of equal length that add up to ``steps``."""
    return max(divisor for divisor in range(1, min(steps, at_most) + 1) if steps % divisor == 0)


def train_toy(
    dataset: str,
    recipe: str = BEST_TOY_RECIPE,
    steps: int | None = None,
    seed: int = 0,
    callbacks=(),
    verbose=0,
    **overrides,
):
    """Train a named recipe on a toy benchmark for exactly ``steps`` steps; return ``(gan, history)``.

    Real batches come from 100,000 samples of ``dataset`` ("ring" or "grid"), reshuffled each
    pass. ``steps`` defaults to the recipe's own; an epoch is up to 100 steps (the history has
    one row per epoch). With ``generator_average`` > 0 the forger takes the moving average of
    its weights at the end (`ganlib.callbacks.GeneratorAverage`); a ``learning_rate_decay`` other
    than ``"constant"`` reaches 0 at the last of these ``steps``. Explained in chapter 06.
    """
    settings = toy_settings(recipe, **overrides)
    steps = settings["steps"] if steps is None else steps
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}")
    real = sample_toy(dataset, 100_000, seed=seed)
    gan = toy_gan(recipe, seed=seed, **{**overrides, "steps": steps})
    batches = data.make_dataset(real, settings["batch_size"] * settings["pack"], seed=seed).repeat()
    extra = list(callbacks)
    if settings["generator_average"]:
        extra.append(ganlib_callbacks.GeneratorAverage(settings["generator_average"]))
    per_epoch = _steps_per_epoch(steps)
    history = gan.fit(batches, epochs=steps // per_epoch, steps_per_epoch=per_epoch, verbose=verbose, callbacks=extra)
    return gan, history


# =====================================================================================
# The conditional digits recipe: forgeries on commission (chapter 08).
# Used by chapter 08 and ``python -m ganlib train digits --conditional``.
# =====================================================================================
#: The conditional recipe's settings: chapter 04's, with the players told which digit to paint.
CONDITIONAL_DIGITS_RECIPE = {
    **DIGITS_RECIPE,
    "num_classes": 10,
    "embedding_dim": 16,
    "projection": True,
}


def conditional_digits_gan(seed: int = 0, precision: str = "auto", **settings) -> GAN:
    """A compiled conditional `GAN`: `models.conditional_dcgan_generator` against a projection expert.

    Any setting of ``CONDITIONAL_DIGITS_RECIPE`` can be overridden. Explained in chapter 08.
    """
    unknown = sorted(set(settings) - set(CONDITIONAL_DIGITS_RECIPE))
    if unknown:
        raise ValueError(f"unknown recipe settings {unknown}; expected some of {sorted(CONDITIONAL_DIGITS_RECIPE)}")
    recipe = {**CONDITIONAL_DIGITS_RECIPE, **settings}
    with dtype_policy(resolve_precision(precision)):
        generator = models.conditional_dcgan_generator(
            recipe["latent_dim"], recipe["num_classes"], recipe["width"], recipe["embedding_dim"]
        )
        discriminator = models.conditional_dcgan_discriminator(
            recipe["num_classes"], recipe["width"], projection=recipe["projection"]
        )
    gan = GAN(
        generator, discriminator, loss="non_saturating", update_order=recipe["update_order"],
        num_classes=recipe["num_classes"], seed=seed,
    )
    gan.compile(
        d_optimizer=keras.optimizers.Adam(recipe["d_learning_rate"], beta_1=recipe["beta_1"]),
        g_optimizer=keras.optimizers.Adam(recipe["g_learning_rate"], beta_1=recipe["beta_1"]),
    )
    return gan


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

    As `train_digits`: a wall-clock budget ``seconds``, a number of ``epochs``, or both
    (whichever ends first), and the moving average of the forger's weights at the end.
    ``images`` (float, in [-1, 1]) and ``labels`` (integers) replace the bundled digits together.
    Explained in chapter 08.
    """
    if seconds is None and epochs is None:
        raise ValueError("train_conditional_digits needs seconds= or epochs= (or both); got neither")
    if (images is None) != (labels is None):
        raise ValueError("give images= and labels= together (or neither, for the bundled digits)")
    runtime.set_seed(seed)
    if images is None:
        raw_images, labels = data.load_digits(split="train")
        images = data.scale_images(raw_images)
    gan = conditional_digits_gan(seed=seed, precision=precision, **settings)
    recipe = {**CONDITIONAL_DIGITS_RECIPE, **settings}
    dataset = data.make_dataset(images, recipe["batch_size"], seed=seed, labels=labels)
    return _fit_recipe(gan, dataset, recipe, seconds, epochs, callbacks, progress)


def commissioned_digits(generator, num_per_digit: int = 100, seed: int = 0):
    """Ask a conditional digit forger for ``num_per_digit`` of each digit; return ``(images, labels)``.

    ``generator`` is a conditional `GAN` with 10 classes or its (exported) generator model, inputs
    ``[latent, labels]``. The labels are ``0, 1, ..., 9, 0, 1, ...`` and the latent vectors those of
    ``gan.generate(n, seed=seed)``, so a GAN and its exported generator paint the same digits.
    Explained in chapter 08.
    """
    import numpy as np

    if not isinstance(num_per_digit, (int, np.integer)) or num_per_digit < 1:
        raise ValueError(f"num_per_digit must be a positive integer; got {num_per_digit!r}")
    count = int(num_per_digit) * 10
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
    images = np.concatenate([
        keras.ops.convert_to_numpy(
            generator([latent[start : start + 500], keras.ops.convert_to_tensor(labels[start : start + 500])])
        )
        for start in range(0, count, 500)
    ])
    return images.astype(np.float32), labels


def commission_agreement(images, labels, confidence: float = 0.9) -> dict:
    """How often the bundled digit classifier (chapter 07) sees the digit that was asked for.

    Returns a JSON-ready dict: ``recognized`` (share of images whose most probable digit is the
    requested one) and ``confident`` (the same, with a probability above ``confidence``), overall
    and per digit (lists of 10), and ``num_samples``. Explained in chapter 08.
    """
    import numpy as np

    from ganlib import metrics

    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels must be digits 0..9, shape (n,); got dtype {labels.dtype}, shape {labels.shape}")
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
