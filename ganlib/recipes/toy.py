"""Toy recipes: the 2-D benchmarks (ring of 8 and grid of 25 Gaussians) of chapters 05-06.

Each named recipe changes a few settings of the plain game of chapter 03; chapter 06 measures
them all on the mode benchmark (``benchmarks/modes.py``). Used by chapters 05 and 06,
``benchmarks/modes.py`` and ``python -m ganlib train ring|grid``. Explained in chapter 06.
"""

from __future__ import annotations

import keras

from ganlib import checks, data, models, modes, runtime
from ganlib.gan import GAN
from ganlib.recipes._shared import with_generator_average, with_overrides

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
    "r1_penalty": 0.0,
    "r2_penalty": 0.0,
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
    # the modern recipe (Huang et al. 2024): the relativistic pairing loss with R1 alone, then with R1 and R2,
    # and their Adam (beta_1 = 0, beta_2 = 0.99)
    "relativistic_r1": {"loss": "relativistic", "r1_penalty": 0.01, "beta_1": 0.0, "beta_2": 0.99},
    "relativistic_r1_r2": {
        "loss": "relativistic", "r1_penalty": 0.01, "r2_penalty": 0.01, "beta_1": 0.0, "beta_2": 0.99,
    },
    # twice the learning rate, weight average, four times the steps
    "long_averaged": {"d_learning_rate": 2e-3, "g_learning_rate": 2e-3, "generator_average": 0.999, "steps": 8000},
    # long_averaged with 4 times the batch, the learning rates decayed to 0 along half a cosine, twice the steps
    "decayed_large_batch_long": {
        "d_learning_rate": 2e-3, "g_learning_rate": 2e-3, "generator_average": 0.999, "steps": 16000,
        "batch_size": 1024, "learning_rate_decay": "cosine",
    },
}

#: The recipe ``python -m ganlib train ring|grid`` uses when none is named: the best on the mode benchmark.
BEST_TOY_RECIPE = "decayed_large_batch_long"


def toy_settings(recipe: str = BEST_TOY_RECIPE, **overrides) -> dict:
    """The full settings of a named toy recipe, with any of them overridden (chapter 06)."""
    if recipe not in TOY_RECIPES:
        raise ValueError(f"unknown toy recipe {recipe!r}; expected one of {sorted(TOY_RECIPES)}")
    settings = with_overrides({**TOY_DEFAULTS, **TOY_RECIPES[recipe]}, overrides, "toy")
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
    updates = checks.check_positive_int("updates", updates)
    if decay == "linear":
        return keras.optimizers.schedules.PolynomialDecay(initial, updates, end_learning_rate=0.0, power=1.0)
    if decay == "cosine":
        return keras.optimizers.schedules.CosineDecay(initial, updates, alpha=0.0)
    return initial


def sample_toy(dataset: str, num_samples: int, seed: int | None = None):
    """Real samples of a toy benchmark, ``"ring"`` or ``"grid"``, shape ``(n, 2)`` (chapter 05)."""
    centres, std = modes.benchmark_modes(dataset)
    return data.sample_modes(num_samples, centres, std, seed)


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
        r1_penalty=settings["r1_penalty"],
        r2_penalty=settings["r2_penalty"],
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
    steps = checks.check_positive_int("steps", settings["steps"] if steps is None else steps)
    real = sample_toy(dataset, 100_000, seed=seed)
    gan = toy_gan(recipe, seed=seed, **{**overrides, "steps": steps})
    batches = data.make_dataset(real, settings["batch_size"] * settings["pack"], seed=seed).repeat()
    extra = with_generator_average(callbacks, settings["generator_average"])
    per_epoch = _steps_per_epoch(steps)
    history = gan.fit(batches, epochs=steps // per_epoch, steps_per_epoch=per_epoch, verbose=verbose, callbacks=extra)
    return gan, history
