"""The forger with a ruler of chapter 12 (issue 20), over seeds and variations: the README's figures.

    python benchmarks/paintings.py                         # every variant: about 30 minutes on a 2-core CPU
    python benchmarks/paintings.py --variants "seed 1"     # some of them
    python benchmarks/paintings.py --epochs 1              # every variant for one epoch (a smoke test)

Each variant trains in a fresh process: the forger with a ruler (a number in [0, 1] for each row
and column, a pixel on a bar as much as its row or column is; the rest painted by the DCGAN
forger's layers ending in a softmax over white, red, yellow and blue) against the recipe's expert
reading pairs of paintings (packing), with the recipe's game and settings
(`ganlib.gallery.PAINTINGS_RECIPE`), on the 8,000 training Mondrians of its seed, for 24 epochs
(3,000 steps) unless the variant says otherwise. Every 8 epochs it prints the checks of 300
forgeries of the current weights; at the end it judges 500 forgeries of the averaged forger
against 1,000 unseen paintings (`paintings.check_paintings`, as ``metrics.json`` of
``python -m ganlib train paintings``) and prints one JSON line: the checks, the share of
forgeries with each number of vertical and horizontal bars, the steps and the seconds.

The chapter writes the same forger with a `keras.Sequential` expert where this script builds a
functional one, so the chapter's run (seed 0) differs from this script's seed 0 in the last digits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: name: settings that differ from the forger with a ruler on seed 0 (pack 2, 24 epochs)
VARIANTS = {
    "seed 0": {},
    "seed 1": {"seed": 1},
    "seed 2": {"seed": 2},
    "5,000 steps": {"epochs": 40},
    "expert not packed": {"pack": 1},
    "packing 4 paintings": {"pack": 4},
    "expert twice as wide": {"expert_width": 32},
    "batches of 128": {"batch_size": 128},
    "modern recipe (relativistic, R1 + R2)": {"loss": "relativistic", "r1": 1.0, "r2": 1.0, "beta_1": 0.0,
                                              "beta_2": 0.99},
    "bars two pixels thick": {"two_pixel_bars": True},
    "self-conditioning, 40 groups": {"pack": 1, "groups": 40},
}
#: the other settings (the players' widths are the recipe's unless ``expert_width`` says otherwise)
DEFAULTS = {"seed": 0, "epochs": 24, "pack": 2, "loss": "non_saturating", "r1": 0.0, "r2": 0.0, "beta_2": 0.999,
            "two_pixel_bars": False, "groups": 0}


def train_and_judge(settings: dict) -> dict:
    """Train one variant and judge it; returns the figures printed as one JSON line."""
    import keras
    import numpy as np
    from keras import layers, ops

    from ganlib import gallery, paintings, runtime
    from ganlib.gan import GAN
    from ganlib.layers import ClusterFromLatent
    from ganlib.models import _batch_normalization, _expert_features
    from ganlib.recipes._shared import compiled_digits_gan, fit_digits, with_overrides
    from ganlib.recipes.digits import cluster_digits

    options = {**DEFAULTS, **settings}
    recipe = with_overrides(gallery.PAINTINGS_RECIPE,
                            {key: value for key, value in settings.items() if key in gallery.PAINTINGS_RECIPE})
    seed, width, groups_count, pack = options["seed"], recipe["width"], options["groups"], options["pack"]
    expert_width = options.get("expert_width", width)
    started = time.perf_counter()
    runtime.set_seed(seed)
    images, _ = gallery.training_paintings(("mondrian",), recipe["num_paintings"], seed=seed)
    black = np.array(paintings.PALETTES["mondrian"]["black"], np.float32) * 2 - 1
    groups = None
    with runtime.dtype_policy(runtime.resolve_precision("auto")):
        latent = keras.Input(shape=(64,))
        told = latent
        if groups_count:  # chapter 04's self-conditioning: k-means groups of the paintings, picked by the latent
            groups = cluster_digits(images, groups_count, seed)
            group = ClusterFromLatent(np.bincount(groups, minlength=groups_count) / len(groups))(latent)
            told = layers.Concatenate()([latent, layers.Embedding(groups_count, 16)(group)])
        # the brush: the DCGAN forger's layers, ending in four paints' shares at each pixel
        hidden = layers.Dense(8 * 8 * 4 * width, use_bias=False)(told)
        hidden = layers.ReLU()(_batch_normalization(False)(hidden))
        hidden = layers.Reshape((8, 8, 4 * width))(hidden)
        hidden = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(hidden)
        hidden = layers.ReLU()(_batch_normalization(False)(hidden))
        paints = np.array([paintings.PALETTES["mondrian"][name] for name in ("white", "red", "yellow", "blue")],
                          np.float32) * 2 - 1
        hidden = layers.Conv2DTranspose(4, 4, strides=2, padding="same")(hidden)
        shares = layers.Softmax(dtype="float32")(hidden)
        brush = layers.Dense(3, use_bias=False, trainable=False, dtype="float32",
                             kernel_initializer=keras.initializers.Constant(paints))(shares)
        # the ruler: one number per row and per column
        lines = layers.Dense(256, activation="relu")(told)
        lines = layers.Activation("sigmoid", dtype="float32")(layers.Dense(64, dtype="float32")(lines))
        row_lines, column_lines = lines[:, :32], lines[:, 32:]
        if options["two_pixel_bars"]:  # each number starts a bar two pixels thick
            zero = ops.zeros_like(row_lines[:, :1])
            row_lines = ops.maximum(row_lines, ops.concatenate([zero, row_lines[:, :31]], axis=1))
            column_lines = ops.maximum(column_lines, ops.concatenate([zero, column_lines[:, :31]], axis=1))
        rows = layers.Reshape((32, 1, 1), dtype="float32")(row_lines)
        columns = layers.Reshape((1, 32, 1), dtype="float32")(column_lines)
        on_a_bar = 1.0 - (1.0 - rows) * (1.0 - columns)
        generator = keras.Model(latent, on_a_bar * black + (1.0 - on_a_bar) * brush)
        if groups_count:
            discriminator = gallery.painting_discriminator(expert_width, num_classes=groups_count)
        elif pack == 1:
            discriminator = gallery.painting_discriminator(expert_width)
        else:
            stacked = keras.Input((32, 32, 3 * pack))
            features = _expert_features(stacked, expert_width, dropout=0.0, spectral_normalization=False)
            discriminator = keras.Model(stacked, layers.Dense(1, dtype="float32")(features))
    if pack > 1:
        gan = GAN(generator, discriminator, loss=options["loss"], seed=seed, pack=pack,
                  r1_penalty=options["r1"], r2_penalty=options["r2"])
        optimizers = {f"{player}_optimizer": keras.optimizers.Adam(
            recipe[f"{player}_learning_rate"], beta_1=recipe["beta_1"], beta_2=options["beta_2"]) for player in "dg"}
        gan.compile(**optimizers)
    else:
        gan = compiled_digits_gan(generator, discriminator, recipe, seed, num_classes=groups_count or None)

    class Inspector(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % 8 == 0:
                checks = paintings.check_paintings(self.model.generate(300, seed=1), images[:300], "mondrian")
                print(f"  epoch {epoch + 1}:", {key: round(value, 3) for key, value in checks.items()}, flush=True)

    fit_digits(gan, images, groups, recipe, seed, None, options["epochs"], [Inspector()], False)
    seconds = time.perf_counter() - started
    forgeries = gan.generate(500, seed=seed)
    unseen = paintings.paint(1000, "mondrian", seed=gallery.UNSEEN_SEED + seed)
    checks = paintings.check_paintings(forgeries, unseen, "mondrian", training_images=images)
    rules = [paintings.mondrian_rules(image) for image in forgeries]
    bars = {way: (np.bincount([rule[f"{way}_bars"] for rule in rules]) / len(rules)).round(3).tolist()
            for way in ("vertical", "horizontal")}
    return {"steps": int(gan.g_optimizer.iterations.numpy()), "seconds": round(seconds),
            **{key: round(float(value), 4) for key, value in checks.items()}, "bars (share of 0, 1, 2, ...)": bars}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--epochs", type=int, help="train every variant this many epochs (a smoke test)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(train_and_judge(json.loads(arguments.worker))), flush=True)
        return
    for name in arguments.variants:
        settings = dict(VARIANTS[name])
        if arguments.epochs:
            settings["epochs"] = arguments.epochs
        print(f"== {name}: {settings}", flush=True)
        subprocess.run([sys.executable, __file__, "--worker", json.dumps(settings)], check=True)


if __name__ == "__main__":
    main()
