"""The chapter-04 recipe: a DCGAN that draws recognizable digits on a laptop CPU.

Used by chapter 04, by ``python -m ganlib train digits`` and by ``benchmarks/digits.py``;
chapters 07-09 train their forgers with it. What makes it fast on a CPU (``benchmarks/digits.py``
measures each):

- small players (``width=24``: 48 and 96 channels in the expert), for more steps in a budget;
- bfloat16 arithmetic where the CPU has bf16 units (`ganlib.runtime.resolve_precision`), float32 elsewhere;
- an exponential moving average of the forger's weights (`ganlib.callbacks.GeneratorAverage`), which
  draws cleaner strokes than the last, still jittery, weights of a short run;
- self-conditioning (Liu et al. 2020): k-means finds ``num_clusters`` groups in the real digits
  (`cluster_digits`, no labels), the expert judges (image, group) pairs and the forger picks its
  group from its own latent vector (`ganlib.layers.ClusterFromLatent`), so each forgery stays
  inside one kind of digit instead of between two; the forger still takes latent vectors only.
  ``num_clusters=0`` plays the plain game of chapter 04's first players.

Explained in chapter 04.
"""

from __future__ import annotations

import time

import keras
import numpy as np
from scipy.cluster.vq import kmeans2

from ganlib import data, models, runtime
from ganlib.gan import GAN
from ganlib.recipes._shared import check_budget, compiled_digits_gan, fit_digits, with_overrides

#: The recipe's settings; ``train_digits`` and the command line take them as keyword arguments.
DIGITS_RECIPE = {
    "latent_dim": 64,
    "width": 24,
    "batch_size": 64,
    "d_learning_rate": 1e-3,
    "g_learning_rate": 1e-3,
    "beta_1": 0.5,
    "generator_average": 0.999,
    "update_order": "sequential",
    "num_clusters": 60,
    "embedding_dim": 16,
}


def cluster_digits(images, num_clusters: int, seed: int = 0) -> np.ndarray:
    """Each image's group (0 .. num_clusters - 1), found by k-means on its pixels, without labels (chapter 04).

    SciPy's ``kmeans2`` with the k-means++ start, seeded: the same images and seed give the same groups.
    """
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    if not (isinstance(num_clusters, int) and 2 <= num_clusters <= len(flat)):
        raise ValueError(f"num_clusters must be an integer from 2 to the {len(flat)} images; got {num_clusters!r}")
    _, groups = kmeans2(flat, num_clusters, minit="++", seed=seed)
    empty = int((np.bincount(groups, minlength=num_clusters) == 0).sum())
    if empty:
        raise ValueError(f"k-means left {empty} of {num_clusters} groups empty; expected none: ask for fewer groups")
    return groups.astype(np.int32)


def digits_gan(seed: int = 0, precision: str = "auto", cluster_shares=None, **settings) -> GAN:
    """A compiled `GAN` with the recipe's players and optimizers (any setting can be overridden).

    With ``num_clusters`` above 0 the game is self-conditioned and ``cluster_shares`` gives the
    groups' shares of the real digits (from `cluster_digits`); with ``num_clusters=0``, the plain game.
    """
    recipe = with_overrides(DIGITS_RECIPE, settings)
    groups = recipe["num_clusters"]
    if (cluster_shares is None) != (groups == 0) or (groups and len(cluster_shares) != groups):
        raise ValueError(f"expected cluster_shares of {groups} groups (num_clusters={groups}); got {cluster_shares!r}"
                         if groups else f"num_clusters=0 plays the plain game, without cluster_shares; got "
                         f"{cluster_shares!r}")
    with runtime.dtype_policy(runtime.resolve_precision(precision)):
        if groups:
            generator = models.self_conditioned_dcgan_generator(
                cluster_shares, recipe["latent_dim"], recipe["width"], recipe["embedding_dim"])
            discriminator = models.conditional_dcgan_discriminator(groups, recipe["width"])
        else:
            generator = models.dcgan_generator(recipe["latent_dim"], recipe["width"])
            discriminator = models.dcgan_discriminator(recipe["width"])
    return compiled_digits_gan(generator, discriminator, recipe, seed, num_classes=groups or None)


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
    first); the budget includes finding the groups. ``images`` (float, in [-1, 1]) replaces the
    bundled digits. With the recipe's
    ``generator_average`` momentum above 0, the forger takes the moving average of its
    weights when training ends (`ganlib.callbacks.GeneratorAverage`). Explained in chapter 04.
    """
    check_budget("train_digits", seconds, epochs)
    started = time.perf_counter()
    runtime.set_seed(seed)
    if images is None:
        images = data.scale_images(data.load_digits(split="train")[0])
    recipe = with_overrides(DIGITS_RECIPE, settings)
    groups, shares = None, None
    if recipe["num_clusters"]:
        groups = cluster_digits(images, recipe["num_clusters"], seed)
        shares = np.bincount(groups, minlength=recipe["num_clusters"]) / len(groups)
    gan = digits_gan(seed=seed, precision=precision, cluster_shares=shares, **settings)
    spent = time.perf_counter() - started
    if seconds is not None:  # the clustering and the building count in the budget
        seconds -= spent
        if seconds <= 0:
            raise ValueError(f"the budget was spent before training began (clustering, building); got {seconds!r} s "
                             "left: give more seconds")
    return fit_digits(gan, images, groups, recipe, seed, seconds, epochs, callbacks, progress, spent)
