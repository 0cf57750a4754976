"""The forger with a ruler of chapter 12 (issue 20), over seeds and variations: the README's figures.

    python benchmarks/paintings.py                         # every variant: about 30 minutes on a 2-core CPU
    python benchmarks/paintings.py --variants "seed 1"     # some of them
    python benchmarks/paintings.py --epochs 1              # every variant for one epoch (a smoke test)
    python benchmarks/paintings.py --variants "seed 0" --authenticate   # does the expert see the one-bar forgeries?

Each variant trains in a fresh process the forger with a ruler of chapter 12, written here as in
the chapter: a ruler that lays a bar or none on each row and column (a sigmoid, rounded to 0 or 1
going forward, its gradient passed straight through going back), a brush that paints the rest
with the DCGAN forger's layers ending in a softmax over white, red, yellow and blue, and an expert
that reads pairs of paintings (packing) with the recipe's convolutions and a ruler of its own (the
mean colour of every row and column, and the spread of those readings over the batch). The game
and its settings are the recipe's (`ganlib.gallery.PAINTINGS_RECIPE`: the non-saturating loss,
Adam), on the 8,000 training Mondrians of its seed, for 24 epochs (3,000 steps) unless the
variant says otherwise; three variants (seeds 0-2) play chapter 06's modern recipe instead
(`MODERN_RECIPE`). Every 8 epochs it prints the checks of 300 forgeries of the current weights
against 300 training paintings; at the end it judges 500 forgeries of the averaged forger against 1,000 unseen
paintings (`paintings.check_paintings`, as ``metrics.json`` of ``python -m ganlib train
paintings``) and prints one JSON line: the checks, the share of forgeries with each number of
vertical and horizontal bars, the steps and the seconds.

With ``--authenticate`` it also asks whether the expert sees the paintings with a single bar on an
axis, which no real painting has: it scores 6,000 forgeries (each beside four others, the pairs the
packed expert reads), prints the AUC with which those scores rank the one-bar forgeries below the rest,
and the checks of 500 forgeries drawn from the best-scored 90 %, 80 %, 70 % and 50 % (discriminator
rejection sampling).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: chapter 06's modern recipe on the paintings: the relativistic pairing loss with R1 and R2 (the weight chapter 06
#: gives them on digits in [-1, 1]) and Adam with beta_1 = 0, beta_2 = 0.99 (as its toy and digit runs)
MODERN_RECIPE = {"loss": "relativistic", "r1_penalty": 1.0, "r2_penalty": 1.0, "beta_1": 0.0, "beta_2": 0.99}
#: name: settings that differ from the chapter's forger with a ruler on seed 0 (pack 2, 24 epochs)
VARIANTS = {
    "seed 0": {},
    "seed 1": {"seed": 1},
    "seed 2": {"seed": 2},
    "5,000 steps": {"epochs": 40},
    "ruler not rounded (sigmoid only)": {"rounded": False},
    "expert without its ruler": {"expert_ruler": False},
    "expert's ruler without the batch spread": {"batch_spread": False},
    "expert not packed": {"pack": 1},
    "chapter 06's modern recipe": MODERN_RECIPE,
    "chapter 06's modern recipe, seed 1": {**MODERN_RECIPE, "seed": 1},
    "chapter 06's modern recipe, seed 2": {**MODERN_RECIPE, "seed": 2},
}
#: the other settings (the players' widths are the recipe's)
DEFAULTS = {"seed": 0, "epochs": 24, "pack": 2, "rounded": True, "expert_ruler": True, "batch_spread": True,
            "loss": "non_saturating", "r1_penalty": 0.0, "r2_penalty": 0.0, "beta_2": 0.999}


def train_and_judge(settings: dict) -> dict:
    """Train one variant and judge it; returns the figures printed as one JSON line."""
    import keras
    import numpy as np
    from keras import layers, ops

    from ganlib import gallery, paintings, runtime
    from ganlib.gan import GAN
    from ganlib.layers import FusedBatchNormalization, LeakyReLU
    from ganlib.recipes._shared import fit_digits, with_overrides

    class BatchSpread(layers.Layer):
        """Each painting's features, and beside them each feature's standard deviation over the batch."""

        def call(self, features):
            spread = ops.sqrt(ops.var(features, axis=0, keepdims=True) + 1e-8)
            return ops.concatenate([features, ops.broadcast_to(spread, ops.shape(features))], axis=-1)

    options = {**DEFAULTS, **settings}
    recipe = with_overrides(gallery.PAINTINGS_RECIPE,
                            {key: value for key, value in settings.items() if key in gallery.PAINTINGS_RECIPE})
    seed, width, pack = options["seed"], recipe["width"], options["pack"]
    started = time.perf_counter()
    runtime.set_seed(seed)
    images, _ = gallery.training_paintings(("mondrian",), recipe["num_paintings"], seed=seed)
    black = np.float32(paintings.PALETTES["mondrian"]["black"]) * 2 - 1
    paints = np.float32([paintings.PALETTES["mondrian"][name] for name in ("white", "red", "yellow", "blue")]) * 2 - 1
    with runtime.dtype_policy(runtime.resolve_precision("auto")):
        # the forger: a ruler (a bar or not on each row and column) and a brush with four paints
        latent = keras.Input(shape=(recipe["latent_dim"],))
        lines = layers.Dense(256, activation="relu")(latent)
        lines = layers.Dense(2 * 32, activation="sigmoid", dtype="float32")(lines)
        if options["rounded"]:  # 0 or 1 going forward, the sigmoid's gradient going back
            lines = lines + ops.stop_gradient(ops.round(lines) - lines)
        rows = layers.Reshape((32, 1, 1), dtype="float32")(lines[:, :32])
        columns = layers.Reshape((1, 32, 1), dtype="float32")(lines[:, 32:])
        on_a_bar = 1.0 - (1.0 - rows) * (1.0 - columns)
        hidden = layers.Dense(8 * 8 * 4 * width, use_bias=False)(latent)
        hidden = layers.ReLU()(FusedBatchNormalization()(hidden))
        hidden = layers.Reshape((8, 8, 4 * width))(hidden)
        hidden = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(hidden)
        hidden = layers.ReLU()(FusedBatchNormalization()(hidden))
        hidden = layers.Conv2DTranspose(len(paints), 4, strides=2, padding="same")(hidden)
        brush = ops.matmul(layers.Softmax(dtype="float32")(hidden), paints)
        generator = keras.Model(latent, on_a_bar * black + (1.0 - on_a_bar) * brush)
        # the expert: the recipe's convolutions on `pack` stacked paintings, and a ruler of its own
        stacked = keras.Input((32, 32, 3 * pack))
        hidden = layers.Conv2D(2 * width, 4, strides=2, padding="same")(stacked)
        hidden = layers.Conv2D(4 * width, 4, strides=2, padding="same")(LeakyReLU(0.2)(hidden))
        features = layers.Flatten()(LeakyReLU(0.2)(hidden))
        if options["expert_ruler"]:
            profiles = ops.concatenate([ops.mean(stacked, axis=2), ops.mean(stacked, axis=1)], axis=1)
            readings = LeakyReLU(0.2)(layers.Dense(4 * width)(layers.Flatten()(profiles)))
            if options["batch_spread"]:
                readings = BatchSpread(dtype="float32")(readings)
            features = layers.Concatenate()([features, readings])
        discriminator = keras.Model(stacked, layers.Dense(1, dtype="float32")(features))
    gan = GAN(generator, discriminator, loss=options["loss"], seed=seed, pack=pack,
              r1_penalty=options["r1_penalty"], r2_penalty=options["r2_penalty"])
    gan.compile(**{f"{player}_optimizer": keras.optimizers.Adam(
        recipe[f"{player}_learning_rate"], beta_1=recipe["beta_1"], beta_2=options["beta_2"]) for player in "dg"})

    class Inspector(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % 8 == 0:
                checks = paintings.check_paintings(self.model.generate(300, seed=1), images[:300], "mondrian")
                print(f"  epoch {epoch + 1}:", {key: round(value, 3) for key, value in checks.items()}, flush=True)

    fit_digits(gan, images, None, recipe, seed, None, options["epochs"], [Inspector()], False)
    seconds = time.perf_counter() - started
    forgeries = gan.generate(500, seed=seed)
    unseen = paintings.paint(1000, "mondrian", seed=gallery.UNSEEN_SEED + seed)
    checks = paintings.check_paintings(forgeries, unseen, "mondrian", training_images=images)
    rules = paintings.read_mondrians(forgeries)
    bars = {way: (np.bincount(rules[f"{way}_bars"]) / len(forgeries)).round(3).tolist()
            for way in ("vertical", "horizontal")}
    if options.get("authenticate"):
        authenticate(gan, discriminator, unseen, seed, pack)
    return {"steps": int(gan.g_optimizer.iterations.numpy()), "seconds": round(seconds),
            **{key: round(float(value), 4) for key, value in checks.items()}, "bars (share of 0, 1, 2, ...)": bars}


def authenticate(gan, discriminator, unseen, seed: int, pack: int, partners: int = 4) -> None:
    """Print how the expert scores the forgeries with one bar on an axis, and rejection sampling's checks."""
    import numpy as np
    from scipy.stats import mannwhitneyu

    from ganlib import paintings

    if pack != 2:
        raise ValueError(f"--authenticate reads the forgeries in pairs: expected pack 2; got {pack}")
    forgeries = gan.generate(6000, seed=seed + 100)
    rules = paintings.read_mondrians(forgeries)
    rng = np.random.default_rng(seed)
    scores = np.zeros(len(forgeries))
    for _ in range(partners):
        pairs = np.concatenate([forgeries, forgeries[rng.permutation(len(forgeries))]], axis=-1)
        scores += np.concatenate([np.asarray(discriminator(pairs[start:start + 64], training=False)).ravel()
                                  for start in range(0, len(pairs), 64)]) / partners
    one_bar = (rules["vertical_bars"] == 1) | (rules["horizontal_bars"] == 1)
    area = mannwhitneyu(scores[~one_bar], scores[one_bar]).statistic / (one_bar.sum() * (~one_bar).sum())
    print(f"  one-bar forgeries {one_bar.mean():.1%}; AUC of the expert's scores, the rest above them: {area:.3f}")
    for kept in (1.0, 0.9, 0.8, 0.7, 0.5):
        best = np.argsort(-scores)[: int(kept * len(forgeries))]
        drawn = forgeries[np.sort(rng.choice(best, 500, replace=False))]
        checks = paintings.check_paintings(drawn, unseen, "mondrian")
        print(f"  keeping the best {kept:.0%}:", {key: round(float(value), 3) for key, value in checks.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--epochs", type=int, help="train every variant this many epochs (a smoke test)")
    parser.add_argument("--authenticate", action="store_true",
                        help="after training, score 6,000 forgeries with the expert (see the module's docstring)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        print(json.dumps(train_and_judge(json.loads(arguments.worker))), flush=True)
        return
    for name in arguments.variants:
        settings = dict(VARIANTS[name])
        if arguments.epochs:
            settings["epochs"] = arguments.epochs
        if arguments.authenticate:
            settings["authenticate"] = True
        print(f"== {name}: {settings}", flush=True)
        subprocess.run([sys.executable, __file__, "--worker", json.dumps(settings)], check=True)


if __name__ == "__main__":
    main()
