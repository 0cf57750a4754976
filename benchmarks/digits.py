"""Benchmark of the chapter-04 recipe: speed of ``GAN.fit`` and quality after a wall-clock budget.

    python benchmarks/digits.py                       # about 4 minutes on a 2-core CPU
    python benchmarks/digits.py --quality-seconds 60 --tutorial-seconds 600

Prints, from one run on one machine:
1. images/s of ``GAN.fit`` and of a plain hand-written ``tf.function`` loop that makes the
   same (sequential) updates on the same models; their ratio is the overhead of ganlib.
   Also images/s of a simultaneous two-tape step (one generator pass less per step).
2. quality after ``--quality-seconds`` of training (default 60), judged by the digit
   classifier in ``data/`` on 1,000 samples: the share of samples it recognizes with
   probability > 0.9, how many digits appear among those, and the most and least frequent
   digit; for the recipe as it is and with simultaneous updates.
3. with ``--tutorial-seconds S``: the same quality figures for the TensorFlow DCGAN
   tutorial recipe (batch 256, Adam 1e-4, its 5x5 models) after S seconds.

Speed figures vary with the machine and with whatever else it runs: compare within a run.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

import ganlib  # noqa: E402
from ganlib import callbacks, data, metrics, recipes, runtime  # noqa: E402

CLASSIFIER = data.DATA_DIR / "digit_classifier.keras"


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
    gan = recipes.digits_gan(seed=0, precision=precision, generator_average=0.0, update_order=update_order)
    repeated = dataset.repeat()
    gan.fit(repeated, epochs=1, steps_per_epoch=20, verbose=0)  # trace and warm up
    started = time.perf_counter()
    gan.fit(repeated, epochs=1, steps_per_epoch=steps, verbose=0)
    return steps * batch_size / (time.perf_counter() - started)


def images_per_second_loop(dataset, steps, precision, batch_size, simultaneous=False):
    gan = recipes.digits_gan(seed=0, precision=precision, generator_average=0.0)
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


# ---------------------------------------------------------------------------- quality
def judge(images):
    probabilities = metrics.digit_probabilities(images)
    confidence, digit = probabilities.max(axis=1), probabilities.argmax(axis=1)
    confident = confidence > 0.9
    counts = np.bincount(digit[confident], minlength=10)
    return {
        "recognized": float(confident.mean()),
        "digits_present": int((counts > 0).sum()),
        "most_common_share": float(counts.max() / max(counts.sum(), 1)),
        "least_common_share": float(counts.min() / max(counts.sum(), 1)),
    }


def tutorial_models():
    """The TensorFlow DCGAN tutorial's models (5x5 kernels, 7x7x256 start)."""
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


def train_tutorial(seconds, images):
    ganlib.runtime.set_seed(0)
    generator, discriminator = tutorial_models()
    gan = ganlib.GAN(generator, discriminator, seed=0, update_order="simultaneous")
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    budget = callbacks.TimeBudget(seconds, progress=False)
    gan.fit(data.make_dataset(images, 256, seed=0), epochs=1_000_000, verbose=0, callbacks=[budget])
    return gan, budget.steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed-steps", type=int, default=300)
    parser.add_argument("--quality-seconds", type=float, default=60.0)
    parser.add_argument("--tutorial-seconds", type=float, default=0.0)
    parser.add_argument("--precision", default="auto", choices=runtime.PRECISIONS)
    arguments = parser.parse_args()

    precision = runtime.resolve_precision(arguments.precision)
    batch_size = recipes.DIGITS_RECIPE["batch_size"]
    images = data.scale_images(data.load_digits(split="train")[0])
    dataset = data.make_dataset(images, batch_size, seed=0)
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs, precision {precision}")
    print(f"recipe: {recipes.DIGITS_RECIPE}\n")

    print(f"1. speed over {arguments.speed_steps} steps of {batch_size} images (after 20 warm-up steps)")
    speeds = {}
    for _ in range(2):  # alternate, so drift in the machine's load hits both alike
        for name, measure in (
            ("GAN.fit, sequential",
             lambda: images_per_second_fit(dataset, arguments.speed_steps, precision, batch_size)),
            ("hand-written loop, sequential",
             lambda: images_per_second_loop(dataset, arguments.speed_steps, precision, batch_size)),
            ("GAN.fit, simultaneous", lambda: images_per_second_fit(
                dataset, arguments.speed_steps, precision, batch_size, update_order="simultaneous")),
            ("hand-written loop, simultaneous",
             lambda: images_per_second_loop(dataset, arguments.speed_steps, precision, batch_size, True)),
        ):
            speeds.setdefault(name, []).append(measure())
    for name, values in speeds.items():
        print(f"   {name:34s} {np.mean(values):7.0f} images/s  (runs: {', '.join(f'{v:.0f}' for v in values)})")
    ratio = np.mean(speeds["GAN.fit, sequential"]) / np.mean(speeds["hand-written loop, sequential"])
    print(f"   GAN.fit / hand-written loop (sequential): {ratio:.2f}")
    gain = np.mean(speeds["GAN.fit, simultaneous"]) / np.mean(speeds["GAN.fit, sequential"])
    print(f"   simultaneous / sequential (GAN.fit): {gain:.2f}\n")

    print(f"2. quality after {arguments.quality_seconds:g} s of training, 1,000 samples judged by {CLASSIFIER.name}")
    real = judge(data.scale_images(data.load_digits(split="test")[0]))
    print(f"   {'real held-out digits':34s} {format_quality(real)}")
    for update_order in ("sequential", "simultaneous"):
        started = time.perf_counter()
        gan, _ = recipes.train_digits(seconds=arguments.quality_seconds, seed=0, precision=precision,
                                      progress=False, images=images, update_order=update_order)
        steps = int(gan.g_optimizer.iterations.numpy())
        quality = judge(gan.generate(1000, seed=1))
        print(f"   {'recipe, ' + update_order:34s} {format_quality(quality)}  "
              f"({steps} steps in {time.perf_counter() - started:.0f} s)")

    if arguments.tutorial_seconds:
        print(f"\n3. the TensorFlow DCGAN tutorial recipe after {arguments.tutorial_seconds:g} s")
        gan, steps = train_tutorial(arguments.tutorial_seconds, images)
        print(f"   {'tutorial recipe':34s} {format_quality(judge(gan.generate(1000, seed=1)))}"
              f"  ({steps} steps)")


def format_quality(quality):
    return (f"recognized {quality['recognized']:6.1%}, digits present {quality['digits_present']:2d}/10, "
            f"shares {quality['least_common_share']:.1%}..{quality['most_common_share']:.1%}")


if __name__ == "__main__":
    main()
