"""Does ``GAN.fit`` cost anything, against a reader's own hand-written Keras ``train_step``?

    python benchmarks/fit_overhead.py                       # WGAN-GP players, batch 64, 200 steps x 3
    python benchmarks/fit_overhead.py --players course      # the course's DCGAN pair (chapter 04)
    python benchmarks/fit_overhead.py --steps 20 --repeats 1 --batch-size 32   # a quick look

Two trainers of the same players on the same input pipeline, both through Keras' own ``fit``:

- ``GAN.fit``: `ganlib.GAN` with its checks of the data, its input pipeline's NaN check and its
  ``train_step`` (chapter 03);
- hand-written: a ``keras.Model`` subclass whose ``train_step`` makes the same updates with the
  same losses (`ganlib.losses`), the way a Keras example writes a GAN.

``--players wgan-gp`` (default): a small convolutional generator and critic for 28x28x1 images in
the style of Keras' WGAN-GP example, the "wasserstein" loss with a gradient penalty of weight 10,
5 critic updates per generator update, Adam(2e-4, beta_1=0.5, beta_2=0.9) for both.
``--players course``: `ganlib.models.dcgan_generator` / `dcgan_discriminator`, the non-saturating
loss, one update each, Adam(2e-4, beta_1=0.5).

The two alternate in one process (A, B, A, B, ...): one untimed warm-up epoch each (tracing), then
``--repeats`` timed epochs of ``--steps`` steps each. Prints a markdown table of training images per
second (median and each repeat) and the ratio GAN.fit / hand-written, with the machine. The
figures vary with whatever else the machine runs: compare within one run; with few steps, each
``fit`` call's fixed cost (GAN.fit checks the first batch) weighs more. The WGAN-GP critic uses
Keras' own LeakyReLU, as a reader's would, so TensorFlow may print a "remapper failed" line once
(chapter 04 explains it). Explained in chapter 11.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from ganlib import _quiet

tf = _quiet.import_tensorflow()  # TensorFlow without its native start-up notices, as `import ganlib` does

import keras  # noqa: E402

from ganlib import GAN, data, losses, models  # noqa: E402

LATENT_DIM = 128  # of the WGAN-GP generator; the course's has its own (64)


def wgan_gp_players() -> tuple[keras.Model, keras.Model]:
    """A small upsampling generator and a strided-convolution critic for 28x28x1 images."""
    latent = keras.Input((LATENT_DIM,))
    x = keras.layers.Dense(7 * 7 * 128, use_bias=False)(latent)
    x = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization()(x))
    x = keras.layers.Reshape((7, 7, 128))(x)
    for filters in (64, 32):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(keras.layers.UpSampling2D()(x))
        x = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization()(x))
    image = keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(x)
    generator = keras.Model(latent, image, name="generator")
    image_in = keras.Input((28, 28, 1))
    x = image_in
    for filters in (64, 128):
        x = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(filters, 5, strides=2, padding="same")(x))
    x = keras.layers.Dropout(0.3)(keras.layers.Flatten()(x))
    critic = keras.Model(image_in, keras.layers.Dense(1)(x), name="critic")
    return generator, critic


#: --players -> (players, loss, d_steps, gradient penalty weight, Adam settings)
SETUPS = {
    "wgan-gp": (wgan_gp_players, "wasserstein", 5, 10.0, {"learning_rate": 2e-4, "beta_1": 0.5, "beta_2": 0.9}),
    "course": (lambda: (models.dcgan_generator(), models.dcgan_discriminator()), "non_saturating", 1, 0.0,
               {"learning_rate": 2e-4, "beta_1": 0.5}),
}


class HandWrittenGAN(keras.Model):
    """The game as a reader writes it: the critic ``d_steps`` times, then the generator, in ``train_step``."""

    def __init__(self, generator, discriminator, loss, d_steps, gradient_penalty, seed=0):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.loss_name, self.d_steps, self.penalty_weight = loss, d_steps, gradient_penalty
        self.latent_dim = generator.input_shape[-1]
        self.seed_generator = keras.random.SeedGenerator(seed)
        verdicts = ("d_real", "d_fake") if losses.get(loss).probability else ("score_real", "score_fake")
        self.trackers = [keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", *verdicts)]
        self.built = True

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return self.trackers

    def gradient_penalty(self, real, fake):
        mix = keras.random.uniform((tf.shape(real)[0], 1, 1, 1), seed=self.seed_generator)
        interpolates = mix * real + (1.0 - mix) * fake
        with tf.GradientTape() as tape:
            tape.watch(interpolates)
            scores = self.discriminator(interpolates, training=True)
        gradients = tf.reshape(tape.gradient(scores, interpolates), [tf.shape(real)[0], -1])
        return tf.square(tf.sqrt(tf.reduce_sum(tf.square(gradients), axis=1) + 1e-12) - 1.0)

    def train_step(self, real):
        real = tf.cast(real, tf.float32)
        batch_size = tf.shape(real)[0]
        for _ in range(self.d_steps):
            latent = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
            with tf.GradientTape() as tape:
                fake = self.generator(latent, training=True)
                real_scores = self.discriminator(real, training=True)
                fake_scores = self.discriminator(fake, training=True)
                d_losses = losses.discriminator_loss(self.loss_name, real_scores, fake_scores)
                if self.penalty_weight:
                    d_losses += self.penalty_weight * self.gradient_penalty(real, fake)
                d_loss = tf.nn.compute_average_loss(d_losses)
            weights = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        latent = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_losses = losses.generator_loss(self.loss_name, self.discriminator(self.generator(latent, training=True),
                                                                           training=True))
            g_loss = tf.nn.compute_average_loss(g_losses)
        weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        scores = [tf.reshape(scores, [-1]) for scores in (real_scores, fake_scores)]
        if losses.get(self.loss_name).probability:
            scores = [tf.sigmoid(values) for values in scores]
        for tracker, values in zip(self.trackers, [d_losses, g_losses, *scores]):
            tracker.update_state(values)
        return {tracker.name: tracker.result() for tracker in self.trackers}


def trainers(setup: str) -> dict[str, keras.Model]:
    """Both trainers, each with its own players built from the same seed and its own optimizers."""
    build, loss, d_steps, penalty, adam = SETUPS[setup]
    built = {}
    for name, trainer in (("GAN.fit", GAN), ("hand-written train_step", HandWrittenGAN)):
        keras.utils.set_random_seed(0)
        model = trainer(*build(), loss=loss, d_steps=d_steps, gradient_penalty=penalty, seed=0)
        model.compile(d_optimizer=keras.optimizers.Adam(**adam), g_optimizer=keras.optimizers.Adam(**adam))
        built[name] = model
    return built


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", choices=sorted(SETUPS), default="wgan-gp")
    parser.add_argument("--steps", type=int, default=200, help="timed steps per repeat (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per trainer (default 3)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per step (default 64)")
    parser.add_argument("--warmup", type=int, default=10, help="steps of the untimed first epoch (default 10)")
    arguments = parser.parse_args(argv)
    for flag in ("steps", "repeats", "batch_size", "warmup"):
        if getattr(arguments, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be an integer >= 1; got {getattr(arguments, flag)}")
    images = data.scale_images(data.load_digits(split="train")[0])
    dataset = data.make_dataset(images, arguments.batch_size, seed=0).repeat()
    contenders = trainers(arguments.players)
    for model in contenders.values():
        model.fit(dataset, epochs=1, steps_per_epoch=arguments.warmup, shuffle=False, verbose=0)
    rates = {name: [] for name in contenders}
    for _ in range(arguments.repeats):
        for name, model in contenders.items():
            started = time.perf_counter()
            model.fit(dataset, epochs=1, steps_per_epoch=arguments.steps, shuffle=False, verbose=0)
            rates[name].append(arguments.steps * arguments.batch_size / (time.perf_counter() - started))
    print(f"`--players {arguments.players}`, batch {arguments.batch_size}, {arguments.steps} steps x "
          f"{arguments.repeats}; {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, TensorFlow {tf.__version__}, Keras {keras.__version__}\n")
    print("| trainer | images/s (median) | each repeat |\n|---|---:|---|")
    for name, values in rates.items():
        print(f"| {name} | {statistics.median(values):.0f} | {', '.join(f'{value:.0f}' for value in values)} |")
    ratio = statistics.median(rates["GAN.fit"]) / statistics.median(rates["hand-written train_step"])
    print(f"\nGAN.fit / hand-written: {ratio:.3f}")


if __name__ == "__main__":
    main()
