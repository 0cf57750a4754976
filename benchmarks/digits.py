"""Benchmark of the chapter-04 recipe (issue 17): speed, quality after 60 s, what each ingredient buys, rivals.

    python benchmarks/digits.py                          # every part: about 50 minutes on a 2-core CPU
    python benchmarks/digits.py --parts quality rivals   # some of the parts (the others stay in the file)

Parts, each from one run on one machine (give it the machine to itself: every figure is timed):

- ``speed``: images/s of ``GAN.fit`` and of a plain hand-written ``tf.function`` loop making the
  same updates on the same players (their ratio is ganlib's overhead), sequential and simultaneous;
  the recipe's players without the groups (``num_clusters=0``), as the hand-written loop has no labels.
- ``quality``: the issue's protocol. Three fresh processes ``python -m ganlib train digits
  --seconds 60 --seed S`` (S = 0, 1, 2); each saved forger draws 1,000 digits, judged by the
  bundled classifier (``data/digit_classifier.keras``, chapter 07): the share recognized (one
  digit with probability > 0.9), each digit's share of the samples (the classifier's most
  probable digit), the Fréchet distance on the classifier's features against the held-out
  digits as a multiple of the real-against-real floor at 1,000 samples, precision and recall
  (k = 3). The median over seeds is set against issue 17's targets.
- ``ablation``: the recipe with one ingredient removed, three seeds each, each a fresh process
  with the same 60-second budget (finding the groups included): no groups (the plain game),
  float32 instead of bfloat16, no moving average of the forger's weights; and two settings
  changed back to what they were before (players of width 32, 40 groups).
- ``curve``: the recipe (seed 0) with budgets of 30 and 120 s beside the 60 s of ``quality``.
- ``rivals``: what a reader would use instead, each as published (models, batch, optimizer, loss;
  float32), trained on the same 4,000 digits with the clock paused every 30 s of training while
  1,000 samples are judged, until the share recognized reaches the recipe's median at 60 s with
  every digit at least 5 % of the samples, or 600 s: the TensorFlow DCGAN tutorial (batch 256,
  Adam 1e-4, simultaneous updates) and keras.io's WGAN-GP example (batch 512, five critic steps
  with a gradient penalty of weight 10, Adam 2e-4 with beta = (0.5, 0.9); its interpolation weight
  drawn from U(0, 1) as in the paper, where the example drew it from N(0, 1): chapter 06).

- ``conditional``: chapter 08's recipe (told the digit) trained 120 s at its width, 32, and at the
  digits recipe's 24; ``recipes.commission_agreement`` on 100 commissions of each digit.

Writes ``benchmarks/results/digits.json`` (parts not run keep their previous figures) and
``benchmarks/results/digits_time_to_quality.png`` (share recognized against seconds of training).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import ganlib  # noqa: E402, F401, I001  first: it keeps TensorFlow's native start-up notices out
import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

from ganlib import cli, data, metrics, recipes, runtime  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
RESULTS = HERE / "results" / "digits.json"
FIGURE = HERE / "results" / "digits_time_to_quality.png"
PARTS = ("speed", "quality", "ablation", "curve", "rivals", "conditional")
SEEDS = (0, 1, 2)
BUDGET = 60.0
#: issue 17's targets for the median of 3 seeds at 60 s
TARGETS = {"recognized": 0.85, "digit_share_min": 0.07, "digit_share_max": 0.13, "frechet_ratio": 4.0,
           "precision": 0.75}
#: the ablation's variants: overrides of the recipe (``precision`` goes to train_digits itself)
VARIANTS = {
    "no groups (the plain game)": {"num_clusters": 0},
    "float32 instead of bfloat16": {"precision": "float32"},
    "no moving average of the forger": {"generator_average": 0.0},
    "wider players (width 32)": {"width": 32},
    "fewer groups (40)": {"num_clusters": 40},
}
#: the ``conditional`` part: chapter 08's recipe at its own width and at the digits recipe's
CONDITIONAL_WIDTHS = (32, 24)
CONDITIONAL_SECONDS = 120.0


# ------------------------------------------------------------------------------ speed
def hand_written_step(generator, discriminator, d_optimizer, g_optimizer, latent_dim, simultaneous):
    """The recipe's update as a plain tf.function, without Keras's fit machinery."""
    seed_generator = keras.random.SeedGenerator(0)

    def d_loss_of(real_logits, fake_logits):
        return tf.reduce_mean(tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits))

    def g_loss_of(fake_logits):
        return tf.reduce_mean(tf.nn.softplus(-fake_logits))

    def apply(optimizer, tape, loss, model):
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))

    @tf.function
    def step(real):
        batch_size = tf.shape(real)[0]
        if simultaneous:
            latent = keras.random.normal((batch_size, latent_dim), seed=seed_generator)
            with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
                fake_logits = tf.cast(discriminator(generator(latent, training=True), training=True), tf.float32)
                real_logits = tf.cast(discriminator(real, training=True), tf.float32)
                d_loss, g_loss = d_loss_of(real_logits, fake_logits), g_loss_of(fake_logits)
            apply(d_optimizer, d_tape, d_loss, discriminator)
            apply(g_optimizer, g_tape, g_loss, generator)
            return d_loss, g_loss
        latent = keras.random.normal((batch_size, latent_dim), seed=seed_generator)
        with tf.GradientTape() as tape:
            fake = generator(latent, training=True)
            d_loss = d_loss_of(
                tf.cast(discriminator(real, training=True), tf.float32),
                tf.cast(discriminator(fake, training=True), tf.float32),
            )
        apply(d_optimizer, tape, d_loss, discriminator)
        latent = keras.random.normal((batch_size, latent_dim), seed=seed_generator)
        with tf.GradientTape() as tape:
            g_loss = g_loss_of(tf.cast(discriminator(generator(latent, training=True), training=True), tf.float32))
        apply(g_optimizer, tape, g_loss, generator)
        return d_loss, g_loss

    return step


def images_per_second_fit(dataset, steps, precision, batch_size, update_order="sequential"):
    gan = recipes.digits_gan(seed=0, precision=precision, generator_average=0.0, update_order=update_order,
                             num_clusters=0)
    repeated = dataset.repeat()
    gan.fit(repeated, epochs=1, steps_per_epoch=20, verbose=0)  # trace and warm up
    started = time.perf_counter()
    gan.fit(repeated, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps * batch_size / (time.perf_counter() - started)


def images_per_second_loop(dataset, steps, precision, batch_size, simultaneous=False):
    gan = recipes.digits_gan(seed=0, precision=precision, generator_average=0.0, num_clusters=0)
    step = hand_written_step(
        gan.generator, gan.discriminator, gan.d_optimizer, gan.g_optimizer, gan.latent_dim, simultaneous
    )
    iterator = iter(dataset.repeat())
    for _ in range(20):
        step(next(iterator))
    started = time.perf_counter()
    for _ in range(steps):
        d_loss, _ = step(next(iterator))
    float(d_loss)  # wait for the last step
    return steps * batch_size / (time.perf_counter() - started)


def speed(steps: int) -> dict:
    """Images/s of GAN.fit and of the hand-written loop, sequential and simultaneous, alternated twice."""
    precision = runtime.resolve_precision("auto")
    batch_size = recipes.DIGITS_RECIPE["batch_size"]
    dataset = data.make_dataset(data.scale_images(data.load_digits(split="train")[0]), batch_size, seed=0)
    measures = {
        "GAN.fit, sequential": lambda: images_per_second_fit(dataset, steps, precision, batch_size),
        "hand-written loop, sequential": lambda: images_per_second_loop(dataset, steps, precision, batch_size),
        "GAN.fit, simultaneous": lambda: images_per_second_fit(dataset, steps, precision, batch_size,
                                                               update_order="simultaneous"),
        "hand-written loop, simultaneous": lambda: images_per_second_loop(dataset, steps, precision, batch_size,
                                                                          True),
    }
    speeds = {}
    for _ in range(2):  # alternate, so drift in the machine's load hits both alike
        for name, measure in measures.items():
            speeds.setdefault(name, []).append(measure())
    for name, values in speeds.items():
        print(f"   {name:34s} {np.mean(values):7.0f} images/s  (runs: {', '.join(f'{v:.0f}' for v in values)})")
    ratio = np.mean(speeds["GAN.fit, sequential"]) / np.mean(speeds["hand-written loop, sequential"])
    print(f"   GAN.fit / hand-written loop (sequential): {ratio:.2f}\n")
    return {"images_per_second": speeds, "fit_over_loop": float(ratio)}


# ---------------------------------------------------------------------------- judging
class Judge:
    """Issue 17's measures of 1,000 forged digits against the 1,000 held-out digits (chapter 07's classifier)."""

    def __init__(self):
        held_out = data.scale_images(data.load_digits(split="test")[0])
        training = data.scale_images(data.load_digits(split="train")[0])
        self.held_out_features, _ = metrics.digit_features_and_probabilities(held_out)
        reference = training[np.random.default_rng(0).choice(len(training), len(held_out), replace=False)]
        reference_features, _ = metrics.digit_features_and_probabilities(reference)
        #: the Fréchet distance between two sets of 1,000 real digits: the best a forger can score
        self.floor = metrics.frechet_distance(self.held_out_features, reference_features)
        self.real = self(held_out)

    def __call__(self, images) -> dict:
        features, probabilities = metrics.digit_features_and_probabilities(images)
        shares = np.bincount(probabilities.argmax(axis=1), minlength=10) / len(probabilities)
        precision, recall = metrics.precision_recall(self.held_out_features, features, k=3)
        return {
            "recognized": float(np.mean(probabilities.max(axis=1) > 0.9)),
            "digit_shares": [round(float(share), 4) for share in shares],
            "frechet_ratio": metrics.frechet_distance(self.held_out_features, features) / self.floor,
            "precision": precision,
            "recall": recall,
        }


def median(runs: list[dict]) -> dict:
    """The median over runs of each measure; for the digits' shares, of the smallest and the largest share."""
    keys = ("recognized", "frechet_ratio", "precision", "recall", "steps")
    summary = {key: float(np.median([run[key] for run in runs])) for key in keys}
    summary["digit_share_min"] = float(np.median([min(run["digit_shares"]) for run in runs]))
    summary["digit_share_max"] = float(np.median([max(run["digit_shares"]) for run in runs]))
    return summary


def meets(summary: dict) -> dict:
    return {
        "recognized": summary["recognized"] >= TARGETS["recognized"],
        "digit_shares": TARGETS["digit_share_min"] <= summary["digit_share_min"]
        and summary["digit_share_max"] <= TARGETS["digit_share_max"],
        "frechet_ratio": summary["frechet_ratio"] <= TARGETS["frechet_ratio"],
        "precision": summary["precision"] >= TARGETS["precision"],
    }


def describe(run: dict) -> str:
    shares = run["digit_shares"] if "digit_shares" in run else [run["digit_share_min"], run["digit_share_max"]]
    return (f"recognized {run['recognized']:6.1%}, digits {min(shares):5.1%}-{max(shares):5.1%}, "
            f"FD {run['frechet_ratio']:4.1f}x floor, precision {run['precision']:.3f}, recall {run['recall']:.3f}, "
            f"{run['steps']:5.0f} steps")


# --------------------------------------------------------------- fresh training processes
def train_with_cli(seed: int, seconds: float, judge: Judge) -> dict:
    """``python -m ganlib train digits`` in a fresh process; its saved forger judged here."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "ganlib", "train", "digits", "--seconds", f"{seconds:g}",
                   "--seed", str(seed), "--out", folder]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        forger, _ = cli.load_forger(pathlib.Path(folder) / "generator.keras")
        run = json.loads((pathlib.Path(folder) / "run.json").read_text())
        images = metrics.draw_images(forger, 1000, seed=seed)
    return {"seed": seed, "seconds": seconds, "steps": run["steps"], **judge(images)}


def train_in_worker(variant: str, seed: int, seconds: float) -> dict:
    """One ablation run in a fresh process (this script with ``--worker``)."""
    with tempfile.TemporaryDirectory() as folder:
        out = pathlib.Path(folder) / "run.json"
        command = [sys.executable, __file__, "--worker", variant, "--seed", str(seed), "--seconds", f"{seconds:g}",
                   "--out", str(out)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())


def worker(variant: str, seed: int, seconds: float, out: pathlib.Path) -> None:
    gan, _ = recipes.train_digits(seconds=seconds, seed=seed, progress=False, **VARIANTS[variant])
    forger, steps = recipes.export_generator(gan), int(gan.g_optimizer.iterations.numpy())
    images = metrics.draw_images(forger, 1000, seed=seed)
    out.write_text(json.dumps({"variant": variant, "seed": seed, "seconds": seconds, "steps": steps,
                               **Judge()(images)}))


# ---------------------------------------------------------------------------- rivals
def tutorial_players():
    """The TensorFlow DCGAN tutorial's players: 5x5 kernels, a 7x7x256 start, latent size 100."""
    generator = keras.Sequential([
        keras.Input(shape=(100,)),
        layers.Dense(7 * 7 * 256, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Reshape((7, 7, 256)),
        layers.Conv2DTranspose(128, 5, strides=1, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(64, 5, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(),
        layers.Conv2DTranspose(1, 5, strides=2, padding="same", use_bias=False, activation="tanh"),
    ])
    discriminator = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(64, 5, strides=2, padding="same"), layers.LeakyReLU(), layers.Dropout(0.3),
        layers.Conv2D(128, 5, strides=2, padding="same"), layers.LeakyReLU(), layers.Dropout(0.3),
        layers.Flatten(), layers.Dense(1),
    ])
    return generator, discriminator


def wgan_gp_players():
    """keras.io's WGAN-GP example's players: upsampling blocks to 32x32 cropped to 28x28; a 4-block critic."""
    generator = keras.Sequential([keras.Input(shape=(128,)), layers.Dense(4 * 4 * 256, use_bias=False),
                                  layers.BatchNormalization(), layers.LeakyReLU(0.2), layers.Reshape((4, 4, 256))])
    for filters in (128, 64, 1):
        generator.add(layers.UpSampling2D(2))
        generator.add(layers.Conv2D(filters, 3, padding="same", use_bias=False))
        generator.add(layers.BatchNormalization())
        generator.add(layers.LeakyReLU(0.2) if filters > 1 else layers.Activation("tanh"))
    generator.add(layers.Cropping2D(2))
    critic = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.ZeroPadding2D(2)])
    for filters, dropout in ((64, 0.0), (128, 0.3), (256, 0.3), (512, 0.0)):
        critic.add(layers.Conv2D(filters, 5, strides=2, padding="same"))
        critic.add(layers.LeakyReLU(0.2))
        if dropout:
            critic.add(layers.Dropout(dropout))
    critic.add(layers.Flatten())
    critic.add(layers.Dropout(0.2))
    critic.add(layers.Dense(1))
    return generator, critic


def tutorial_step(generator, discriminator):
    g_optimizer, d_optimizer = keras.optimizers.Adam(1e-4), keras.optimizers.Adam(1e-4)
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)

    @tf.function
    def step(real):
        noise = tf.random.normal([tf.shape(real)[0], 100])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise, training=True)
            real_out, fake_out = discriminator(real, training=True), discriminator(fake, training=True)
            g_loss = cross_entropy(tf.ones_like(fake_out), fake_out)
            d_loss = cross_entropy(tf.ones_like(real_out), real_out) + cross_entropy(tf.zeros_like(fake_out), fake_out)
        g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables),
                                        discriminator.trainable_variables))
        return d_loss

    return step


def wgan_gp_step(generator, critic, critic_steps=5, penalty=10.0):
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9)

    @tf.function
    def step(real):
        batch = tf.shape(real)[0]
        for _ in range(critic_steps):
            noise = tf.random.normal([batch, 128])
            with tf.GradientTape() as tape:
                fake = generator(noise, training=True)
                mix = tf.random.uniform([batch, 1, 1, 1])
                between = mix * real + (1 - mix) * fake
                with tf.GradientTape() as inner:
                    inner.watch(between)
                    between_scores = critic(between, training=True)
                slopes = inner.gradient(between_scores, between)
                norms = tf.sqrt(tf.reduce_sum(tf.square(slopes), axis=[1, 2, 3]) + 1e-12)
                d_loss = (tf.reduce_mean(critic(fake, training=True)) - tf.reduce_mean(critic(real, training=True))
                          + penalty * tf.reduce_mean(tf.square(norms - 1.0)))
            d_optimizer.apply_gradients(zip(tape.gradient(d_loss, critic.trainable_variables),
                                            critic.trainable_variables))
        with tf.GradientTape() as tape:
            g_loss = -tf.reduce_mean(critic(generator(tf.random.normal([batch, 128]), training=True), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_variables),
                                        generator.trainable_variables))
        return d_loss

    return step


RIVALS = {  # name: (players, step, batch size, latent size)
    "TensorFlow DCGAN tutorial": (tutorial_players, tutorial_step, 256, 100),
    "keras.io WGAN-GP": (wgan_gp_players, wgan_gp_step, 512, 128),
}


def race(name: str, target: float, judge: Judge, cap: float, every: float) -> dict:
    """Train a rival until it reaches ``target`` recognized with every digit >= 5 %, or ``cap`` seconds."""
    players, make_step, batch_size, latent_dim = RIVALS[name]
    runtime.set_seed(0)
    generator, discriminator = players()
    step = make_step(generator, discriminator)
    images = data.scale_images(data.load_digits(split="train")[0])
    batches = iter(data.make_dataset(images, batch_size, seed=0).repeat())
    latent = tf.random.stateless_normal((1000, latent_dim), seed=(0, 1))
    trained, steps, curve, reached = 0.0, 0, [], None
    while trained < cap and reached is None:
        started = time.perf_counter()
        while time.perf_counter() - started < every:
            float(step(next(batches)))  # wait for each step, so the clock counts its work
            steps += 1
        trained += time.perf_counter() - started
        forgeries = np.concatenate([generator(latent[i:i + 250], training=False).numpy() for i in range(0, 1000, 250)])
        point = {"seconds": round(trained, 1), "steps": steps, **judge(forgeries)}
        curve.append(point)
        print(f"   {name:28s} {trained:5.0f} s: {describe(point)}", flush=True)
        if point["recognized"] >= target and min(point["digit_shares"]) >= 0.05:
            reached = point["seconds"]
    return {"reached_after_seconds": reached, "cap_seconds": cap, "curve": curve}


# ---------------------------------------------------------------------------- the figure
def draw(results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(8, 4.5))
    if "curve" in results:
        points = sorted(results["curve"]["runs"], key=lambda run: run["seconds"])
        ax.plot([p["seconds"] for p in points], [p["recognized"] for p in points], "o-", color="tab:blue",
                label="chapter 04's recipe (seed 0)")
    if "quality" in results:
        runs = results["quality"]["runs"]
        ax.scatter([r["seconds"] for r in runs], [r["recognized"] for r in runs], color="tab:blue", marker="x",
                   label="chapter 04's recipe, 60 s, seeds 0-2")
    for (name, rival), color in zip(results.get("rivals", {}).get("runs", {}).items(), ("tab:orange", "tab:red")):
        ax.plot([p["seconds"] for p in rival["curve"]], [p["recognized"] for p in rival["curve"]], ".-",
                color=color, label=name)
    ax.axhline(results["real"]["recognized"], color="gray", ls=":", label="real held-out digits")
    ax.axhline(TARGETS["recognized"], color="black", ls="--", lw=0.8, label="issue 17's target")
    ax.set(xlabel="seconds of training (2-core CPU)", ylabel="share recognized (p > 0.9)", ylim=(0, 1))
    ax.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(FIGURE, dpi=100)


# ---------------------------------------------------------------------------- main
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--speed-steps", type=int, default=300)
    parser.add_argument("--rival-cap", type=float, default=600.0)
    parser.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=BUDGET, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=pathlib.Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.worker:
        return worker(arguments.worker, arguments.seed, arguments.seconds, arguments.out)

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    started = time.perf_counter()

    def save():  # after every part, so a run cut short keeps what it measured
        results.update({"date": time.strftime("%Y-%m-%d"), "command": "python benchmarks/digits.py",
                        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, TensorFlow {tf.__version__}",
                        "precision": runtime.resolve_precision("auto")})
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        draw(results)

    judge = Judge()
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs")
    print(f"recipe {recipes.DIGITS_RECIPE}")
    print(f"real held-out digits: {describe({**judge.real, 'steps': 0})}; Fréchet floor {judge.floor:.2f}\n")
    results.update({"real": judge.real, "frechet_floor": judge.floor, "targets": TARGETS,
                    "recipe": recipes.DIGITS_RECIPE})

    if "speed" in arguments.parts:
        print(f"speed over {arguments.speed_steps} steps (after 20 warm-up steps)")
        results["speed"] = speed(arguments.speed_steps)
        save()
    if "quality" in arguments.parts:
        print(f"quality: python -m ganlib train digits --seconds {BUDGET:g}, seeds {SEEDS}")
        runs = []
        for seed in SEEDS:
            runs.append(train_with_cli(seed, BUDGET, judge))
            print(f"   seed {seed}: {describe(runs[-1])}", flush=True)
        summary = median(runs)
        results["quality"] = {"runs": runs, "median": summary, "meets": meets(summary)}
        print(f"   median: {describe(summary)}\n   meets the targets: {results['quality']['meets']}\n")
        save()
    if "ablation" in arguments.parts:
        print(f"ablation: one ingredient changed, {BUDGET:g} s, seeds {SEEDS}, each a fresh process")
        results["ablation"] = {}
        for variant in VARIANTS:
            runs = [train_in_worker(variant, seed, BUDGET) for seed in SEEDS]
            results["ablation"][variant] = {"runs": runs, "median": median(runs)}
            print(f"   {variant:36s} {describe(median(runs))}", flush=True)
            save()
        print()
    if "curve" in arguments.parts:
        print("curve: the recipe, seed 0, other budgets")
        runs = [train_with_cli(0, seconds, judge) for seconds in (30.0, 120.0)]
        sixty = [run for run in results.get("quality", {}).get("runs", []) if run["seed"] == 0]
        results["curve"] = {"runs": sorted(runs + sixty, key=lambda run: run["seconds"])}
        for run in results["curve"]["runs"]:
            print(f"   {run['seconds']:5.0f} s: {describe(run)}")
        save()
        print()
    if "conditional" in arguments.parts:
        print(f"conditional: chapter 08's recipe, {CONDITIONAL_SECONDS:g} s, seed 0, widths {CONDITIONAL_WIDTHS}")
        results["conditional"] = []
        for width in CONDITIONAL_WIDTHS:
            gan, _ = recipes.train_conditional_digits(seconds=CONDITIONAL_SECONDS, seed=0, progress=False, width=width)
            images, labels = recipes.commissioned_digits(recipes.export_generator(gan), 100, seed=0)
            agreement = recipes.commission_agreement(images, labels)
            run = {"width": width, "seconds": CONDITIONAL_SECONDS, "steps": int(gan.g_optimizer.iterations.numpy()),
                   "recognized": agreement["recognized"], "confident": agreement["confident"]}
            results["conditional"].append(run)
            print(f"   width {width}: {run['recognized']:.1%} recognized as the digit asked for, "
                  f"{run['confident']:.1%} with p > 0.9, {run['steps']} steps", flush=True)
        save()
        print()
    if "rivals" in arguments.parts:
        target = results["quality"]["median"]["recognized"]
        print(f"rivals: until {target:.1%} recognized with every digit >= 5 %, or {arguments.rival_cap:g} s")
        results["rivals"] = {"target_recognized": target, "runs": {}}
        for name in RIVALS:
            results["rivals"]["runs"][name] = race(name, target, judge, arguments.rival_cap, every=30.0)
            save()
        for name, run in results["rivals"]["runs"].items():
            reached = run["reached_after_seconds"]
            print(f"   {name:28s} " + (f"reached it after {reached:.0f} s" if reached else
                                       f"not reached in {run['cap_seconds']:g} s"))
    save()
    print(f"\nwrote {RESULTS} and {FIGURE} in {(time.perf_counter() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
