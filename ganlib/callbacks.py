"""Callbacks that watch the game while ``fit()`` runs.

- `SampleGrid`: draws the forger's work from fixed latent vectors every few epochs, keeps
  the frames for an animation, shows and saves them (chapter 04).
- `TimeBudget`: stops training after a wall-clock budget, with a progress bar in seconds
  (chapter 04 and the command line).
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
