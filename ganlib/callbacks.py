"""Callbacks that watch the game while ``fit()`` runs.

- `SampleGrid`: draws the forger's work from fixed latent vectors every few epochs, keeps
  the frames for an animation, shows and saves them (chapter 04).
- `TimeBudget`: stops training after a wall-clock budget, with a progress bar in seconds
  (chapter 04 and the command line).
- `GeneratorAverage`: an exponential moving average of the forger's weights (chapter 04).
"""

from __future__ import annotations

import pathlib
import time

import keras
import numpy as np

from ganlib import plots


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs, draw ``num_samples`` samples from the *same* latent vectors.

    Keeping the latent vectors fixed makes the frames comparable: each cell of the grid
    follows one forgery as the forger learns. Frames are kept in ``self.frames`` (with the
    epoch of each in ``self.epochs``), saved as ``out_dir/epoch_NNN.png`` when ``out_dir``
    is given, and shown inline when ``show=True``.
    """

    def __init__(self, num_samples: int = 36, every: int = 1, seed: int = 0, out_dir=None, show: bool = False):
        super().__init__()
        if every < 1:
            raise ValueError(f"every must be >= 1; got {every!r}")
        self.num_samples, self.every, self.seed, self.show = num_samples, every, seed, show
        self.out_dir = None if out_dir is None else pathlib.Path(out_dir)
        self.frames: list[np.ndarray] = []
        self.epochs: list[int] = []
        self._latent = None

    def _draw(self, epoch: int) -> None:
        if self._latent is None:
            self._latent = self.model.sample_latent(self.num_samples, seed=self.seed)
        images = keras.ops.convert_to_numpy(self.model.generator(self._latent, training=False))
        self.frames.append(images)
        self.epochs.append(epoch)
        if self.out_dir is not None:
            plots.save_images(images, self.out_dir / f"epoch_{epoch:03d}.png", title=f"epoch {epoch}")
        if self.show:
            import matplotlib.pyplot as plt

            plots.show_images(images, title=f"epoch {epoch}", size=2.5)
            plt.show()

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._draw(0)  # the untrained forger, for the first frame of the animation

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._draw(epoch + 1)

    def save_gif(self, path, seconds_per_frame: float = 0.4) -> pathlib.Path:
        """Write the frames collected so far as an animated GIF."""
        return plots.save_gif(self.frames, path, seconds_per_frame)


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of wall-clock time have passed since training began.

    With ``progress=True`` it shows a progress bar in seconds (use ``fit(verbose=0)`` so
    there is one bar, not two). ``self.steps`` counts the training steps that ran.
    """

    def __init__(self, seconds: float, progress: bool = True):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0; got {seconds!r}")
        self.seconds, self.progress = float(seconds), progress
        self.steps = 0
        self.elapsed = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self.steps = 0
        self._bar = None

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.elapsed = time.perf_counter() - self._start
        if self.progress:
            shown = [(key, float(value)) for key, value in (logs or {}).items()]
            if self._bar is None:  # the logs are running means already: show them as they are
                self._bar = keras.utils.Progbar(
                    int(round(self.seconds)), unit_name="s", stateful_metrics=[key for key, _ in shown]
                )
            self._bar.update(min(int(self.elapsed), int(round(self.seconds))), values=shown)
        if self.elapsed >= self.seconds:
            self.model.stop_training = True


class GeneratorAverage(keras.callbacks.Callback):
    """Keep an exponential moving average (EMA) of the forger's weights while it trains.

    After each step: ``average = m * average + (1 - m) * weights``, with a warm-up
    ``m = min(momentum, (1 + step) / (10 + step))`` so the random initial weights fade out fast.
    The last weights of a GAN jitter from step to step as the players react to each other; their
    average draws cleaner samples (Karras et al. 2018, Yazici et al. 2019). At the end of
    training the average is copied into the forger (``apply_at_end=True``). Explained in chapter 04.
    """

    def __init__(self, momentum: float = 0.999, apply_at_end: bool = True):
        super().__init__()
        if not 0.0 < momentum < 1.0:
            raise ValueError(f"momentum must be in (0, 1); got {momentum!r}")
        self.momentum, self.apply_at_end = momentum, apply_at_end
        self.average = None
        self._update = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        weights = self.model.generator.weights  # all of them, batch-norm statistics included
        if self.average is None:
            self.average = [tf.Variable(w, trainable=False) for w in weights]
            self.count = tf.Variable(0.0, trainable=False)

        @tf.function
        def update():
            self.count.assign_add(1.0)
            momentum = tf.minimum(self.momentum, (1.0 + self.count) / (10.0 + self.count))
            for average, weight in zip(self.average, weights):
                average.assign(momentum * average + (1.0 - momentum) * tf.cast(weight, average.dtype))

        self._update = update

    def on_train_batch_end(self, batch, logs=None):
        self._update()

    def on_train_end(self, logs=None):
        if self.apply_at_end:
            self.apply()

    def apply(self) -> None:
        """Copy the averaged weights into the forger."""
        if self.average is None:
            raise ValueError("no average yet: GeneratorAverage must see training before apply()")
        for weight, average in zip(self.model.generator.weights, self.average):
            weight.assign(average)
