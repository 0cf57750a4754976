"""Callbacks that watch the game while ``fit()`` runs.

- `SampleGrid`: draws the forger's work from fixed latent vectors (and, for a conditional
  GAN, fixed labels) every few epochs, keeps the frames for an animation, shows and saves
  them (chapter 04; with labels, chapter 08).
- `TimeBudget`: stops training after a wall-clock budget, showing the share of it spent and the
  current losses (chapter 04 and the command line).
- `GeneratorAverage`: an exponential moving average of the forger's weights (chapter 04).
- `EpochShuffle`: a dataset whose order in each epoch depends on (seed, epoch) only, so a run
  resumed by ``keras.callbacks.BackupAndRestore`` sees the batches it would have seen (chapter 11).
- `TensorBoardSamples`: the forger's samples as images in TensorBoard (chapter 11).

Every grid is `ganlib.plots.image_grid`'s; a conditional GAN's grid shows one class per
column, in class order.
"""

from __future__ import annotations

import pathlib
import sys
import time

import keras
import numpy as np

from ganlib import checks, data, plots


def _grid_columns(model) -> int | None:
    """Columns of a sample grid: one per class for a conditional GAN (chapter 08), else a square grid."""
    return model.num_classes if model.conditional and not model.self_conditioned else None


class SampleGrid(keras.callbacks.Callback):
    """Every ``every`` epochs, draw ``num_samples`` samples from the *same* latent vectors (chapter 04).

    Keeping the latent vectors fixed makes the frames comparable: each cell of the grid
    follows one forgery as the forger learns. A conditional GAN (chapter 08) paints the fixed
    labels ``0, 1, ..., K-1, 0, ...`` (`ganlib.GAN.generate`'s), and the grid has K columns, so
    each row reads the classes in order. Frames are kept in ``self.frames`` (with the epoch of
    each in ``self.epochs``), saved as ``out_dir/epoch_NNN.png`` when ``out_dir`` is given, and
    shown inline when ``show=True``.
    """

    def __init__(self, num_samples: int = 36, every: int = 1, seed: int = 0, out_dir=None, show: bool = False):
        super().__init__()
        self.every = checks.check_positive_int("every", every)
        self.num_samples = checks.check_positive_int("num_samples", num_samples)
        self.seed, self.show = seed, show
        self.out_dir = None if out_dir is None else pathlib.Path(out_dir)
        self.frames: list[np.ndarray] = []
        self.epochs: list[int] = []

    def _draw(self, epoch: int) -> None:
        images = self.model.generate(self.num_samples, seed=self.seed)
        self.frames.append(images)
        self.epochs.append(epoch)
        columns = _grid_columns(self.model)
        if self.out_dir is not None:
            plots.save_images(images, self.out_dir / f"epoch_{epoch:03d}.png", columns, title=f"epoch {epoch}")
        if self.show:
            import matplotlib.pyplot as plt

            plots.show_images(images, columns, title=f"epoch {epoch}", size=2.5)
            plt.show()

    def on_train_begin(self, logs=None):
        if not self.frames:
            self._draw(0)  # the untrained forger, for the first frame of the animation

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._draw(epoch + 1)

    def save_gif(self, path, seconds_per_frame: float = 0.4) -> pathlib.Path:
        """Write the frames collected so far as an animated GIF."""
        return plots.save_gif(self.frames, path, seconds_per_frame, _grid_columns(self.model))


class TimeBudget(keras.callbacks.Callback):
    """Stop training once ``seconds`` of wall-clock time have passed since training began (chapter 04).

    With ``progress=True`` it shows one line: the share of the budget spent, a bar, the
    seconds, the steps and the players' current losses, as in
    ``" 42% [========............] 25/60 s, 310 steps, d_loss 1.21, g_loss 0.95"``. In a terminal
    or a notebook the line rewrites itself about once a second; written to a file or a log, it is
    printed at each quarter of the budget. Use ``fit(verbose=0)`` so there is one display, not two.
    ``spent`` counts seconds used before training began (chapter 04's clustering) as part of the
    budget shown, so the bar covers the whole budget. ``self.steps`` counts the training steps that ran.
    """

    BAR_WIDTH = 20

    def __init__(self, seconds: float, progress: bool = True, spent: float = 0.0):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be > 0; got {seconds!r}")
        if not spent >= 0:
            raise ValueError(f"spent must be >= 0 seconds; got {spent!r}")
        self.seconds, self.progress, self.spent = float(seconds), progress, float(spent)
        self.steps = 0
        self.elapsed = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self.steps = 0
        self._shown_at, self._quarters_shown = -1.0, 0
        in_a_notebook = type(sys.stdout).__module__.startswith("ipykernel")  # its output stream
        self._rewrites = in_a_notebook or (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())

    def progress_line(self, logs=None) -> str:
        """The display's line for the time spent so far and the running losses among ``logs``."""
        total = self.spent + self.seconds
        used = min(self.spent + self.elapsed, total)
        filled = int(self.BAR_WIDTH * used / total)
        line = (f"{used / total:4.0%} [{'=' * filled}{'.' * (self.BAR_WIDTH - filled)}] "
                f"{used:.0f}/{total:.0f} s, {self.steps} steps")
        return line + "".join(f", {key} {float(value):.3g}" for key, value in (logs or {}).items() if "loss" in key)

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        self.elapsed = time.perf_counter() - self._start
        finished = self.elapsed >= self.seconds
        if finished:
            self.model.stop_training = True
        if not self.progress:
            return
        if self._rewrites and (finished or self.elapsed - self._shown_at >= 1.0):
            self._shown_at = self.elapsed
            print("\r" + self.progress_line(logs), end="\n" if finished else "", flush=True)
        elif not self._rewrites:
            quarters = 4 if finished else int(4 * self.elapsed / self.seconds)
            if quarters > self._quarters_shown:
                self._quarters_shown = quarters
                print(self.progress_line(logs), flush=True)


class GeneratorAverage(keras.callbacks.Callback):
    """Keep an exponential moving average (EMA) of the forger's weights while it trains (chapter 04).

    After each step: ``average = m * average + (1 - m) * weights``, with a warm-up
    ``m = min(momentum, (1 + step) / (10 + step))`` so the random initial weights fade out fast.
    The last weights of a GAN jitter from step to step as the players react to each other; their
    average draws cleaner samples (Karras et al. 2018, Yazici et al. 2019). At the end of
    training the average is copied into the forger (``apply_at_end=True``).

    Keras' optimizers keep an EMA too (``keras.optimizers.Adam(use_ema=True, ema_momentum=...)``);
    this callback stays because, for a forger in a `ganlib.GAN`, that one falls short three ways:

    - it averages the trainable weights only, so batch normalization's moving means and
      variances stay those of the live weights, paired with averaged weights they never saw;
      here every weight is averaged, the statistics included;
    - it has no warm-up: it copies the weights after the first step and then uses the fixed
      momentum, so with 0.999 those early, nearly random weights weigh about 1/e in the average
      after a thousand steps;
    - ``fit()`` swaps the average in only for ``model.optimizer``, which a GAN has not (it has
      ``d_optimizer`` and ``g_optimizer``), so the average stays inside the optimizer.
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


class EpochShuffle(keras.callbacks.Callback):
    """A dataset (``self.dataset``) whose order in each epoch depends on ``(seed, epoch)`` only.

    ``ganlib.data.make_dataset`` reshuffles on every pass through the data, counting the passes
    from the start of the process, so a run that ``keras.callbacks.BackupAndRestore`` resumes at
    epoch k would replay the order of epoch 0 instead of epoch k. Here the callback tells the
    dataset the epoch at the start of each epoch, and the order is a stateless shuffle of
    ``(seed, epoch)``: the same in a resumed run as in one that never stopped. Pass the callback
    and its dataset to the same ``fit()``; create it outside ``strategy.scope()``. Batches
    have a fixed size (the remainder is dropped). Explained in chapter 11.
    """

    def __init__(self, samples, batch_size: int, seed: int, labels=None):
        super().__init__()
        import tensorflow as tf

        if tf.distribute.has_strategy():
            raise ValueError("create EpochShuffle outside strategy.scope(): its epoch counter belongs to the data")
        samples = np.asarray(samples, dtype=np.float32)
        if not isinstance(batch_size, (int, np.integer)) or not 1 <= batch_size <= len(samples):
            raise ValueError(f"batch_size must be an integer in [1, {len(samples)}]; got {batch_size!r}")
        if labels is not None:
            labels = checks.check_labels(labels, None, len(samples))
        self.seed = int(seed)
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="data_epoch")
        count = len(samples)
        samples_tensor = tf.constant(samples)
        labels_tensor = None if labels is None else tf.constant(labels.astype(np.int32))

        def one_epoch(_):
            seed_pair = tf.stack([tf.constant(self.seed, tf.int64), self.epoch.read_value()])
            order = tf.random.experimental.stateless_shuffle(tf.range(count, dtype=tf.int64), seed=seed_pair)
            return tf.data.Dataset.from_tensor_slices(order)

        def gather(indices):
            batch = tf.gather(samples_tensor, indices)
            return batch if labels_tensor is None else (batch, tf.gather(labels_tensor, indices))

        indices = tf.data.Dataset.from_tensors(0).flat_map(one_epoch).batch(int(batch_size), drop_remainder=True)
        batches = tf.data.experimental.assert_cardinality(count // int(batch_size))  # so fit() knows an epoch's length
        self.dataset = data.without_autotuning(indices.apply(batches).map(gather).prefetch(data.PREFETCH_BATCHES))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch.assign(epoch)


class TensorBoardSamples(keras.callbacks.Callback):
    """Every ``every`` epochs, write a grid of the forger's samples from fixed latent vectors to TensorBoard.

    Use it beside ``keras.callbacks.TensorBoard(log_dir)``, which already writes what ``fit()``
    reports (``d_loss``, ``g_loss`` and the expert's verdicts: ``d_real``, ``d_fake`` under the
    probability losses, ``score_real``, ``score_fake`` under the others); the images go to
    ``log_dir/samples`` under the tag ``samples``, tiled edge to edge by `ganlib.plots.image_grid`.
    For images of shape (height, width, channels) in [-1, 1]; a conditional GAN paints the labels
    ``0, 1, ..., K-1, 0, ...``, one class per column. Explained in chapter 11.
    """

    def __init__(self, log_dir, num_samples: int = 16, every: int = 1, seed: int = 0):
        super().__init__()
        self.every = checks.check_positive_int("every", every)
        self.num_samples = checks.check_positive_int("num_samples", num_samples)
        self.log_dir = pathlib.Path(log_dir) / "samples"
        self.seed = seed
        self._writer = None

    def on_train_begin(self, logs=None):
        import tensorflow as tf

        if len(self.model.sample_shape) != 3:
            raise ValueError(
                "TensorBoardSamples draws images (height, width, channels); "
                f"got samples of shape {self.model.sample_shape}"
            )
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir))

    def on_epoch_end(self, epoch, logs=None):
        import tensorflow as tf

        if (epoch + 1) % self.every:
            return
        images = self.model.generate(self.num_samples, seed=self.seed)
        grid = plots.image_grid(images, _grid_columns(self.model), padding=0)  # in [0, 1]
        with self._writer.as_default():
            tf.summary.image("samples", grid.reshape(1, *grid.shape[:2], -1), step=epoch + 1)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()
