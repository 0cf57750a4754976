"""A doctor for the game: a callback that watches a GAN train and says in plain words when it goes wrong.

`TrainingHealth` checks the game every few steps on fixed probe batches and warns when

- **the expert wins too easily**: it tells nearly every real and fake probe sample apart;
- **the forger's gradient vanishes**: the norm of the gradient of the forger's loss with
  respect to its weights, computed here with a ``GradientTape`` on a probe batch, falls below
  a floor (the minimax loss under a confident expert, chapter 05);
- **the forger collapses**: the spread of its probe samples falls far below the spread of
  real samples, or the share of real probe samples its samples reach (recall) falls low;
- **the losses oscillate or diverge**: over the last checks the probe losses swing up and
  down by a wide margin, or grow past a limit;
- **the losses are not finite** (NaN or inf): it stops training (``model.stop_training``)
  with a clear message instead of training on. The message names the last epoch that ended
  with all weights finite (also kept in ``last_good_epoch``) and how to get those weights back:
  from a ``keras.callbacks.ModelCheckpoint`` that saved every epoch's weights. Not from
  ``keras.callbacks.BackupAndRestore`` (chapter 11): it keeps only the latest state, which the
  epoch that broke overwrites when it ends (and deletes when ``fit`` returns).

Each warning is printed once per kind when it first fires (and again after the condition
cleared and came back) and kept in ``self.warnings``, a list of dicts with the step, the
kind and the message; every check's numbers are kept in ``self.records``. Explained in chapter 05;
chapter 06 shows it quiet on a fixed game. `ModeTracker` follows the benchmark numbers of
chapters 05-06 (modes captured, high quality, reverse KL) while the forger trains.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from scipy.special import expit

from ganlib import checks, losses, metrics, modes


def loss_trend(values, swing: float = 0.5, limit: float = 100.0) -> str | None:
    """Classify a short series of loss values: ``"divergence"``, ``"oscillation"`` or ``None``.

    - ``"divergence"``: the last value's magnitude exceeds ``limit``, or the magnitudes grew
      at every step of the series to more than 10 times the first (and past 10);
    - ``"oscillation"``: the series changes direction at least half the time and its range
      (max - min) exceeds ``swing`` times ``1 + median |value|`` (a relative swing, so that
      small noise on a large loss does not count);
    - ``None`` otherwise (a steady, a settling or a gently drifting loss).

    `TrainingHealth` reads its recent checks with it (chapter 05).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) < 3:
        raise ValueError(f"loss_trend needs a 1-D series of at least 3 values; got shape {values.shape}")
    magnitudes = np.abs(values)
    if magnitudes[-1] > limit:
        return "divergence"
    if np.all(np.diff(magnitudes) > 0) and magnitudes[-1] > max(10.0, 10.0 * magnitudes[0]):
        return "divergence"
    steps = np.diff(values)
    turns = np.sum(np.sign(steps[1:]) * np.sign(steps[:-1]) < 0)
    if turns >= (len(steps) - 1) / 2 and values.max() - values.min() > swing * (1.0 + np.median(magnitudes)):
        return "oscillation"
    return None


class TrainingHealth(keras.callbacks.Callback):
    """Watch a `ganlib.GAN` while ``fit()`` runs and warn, in words, when the game goes wrong (chapter 05).

    Args:
        real_samples: real samples to probe with (at least ``probe_size`` of them); the first
            ``probe_size`` are used, always the same ones.
        real_labels: for a conditional GAN (chapter 08), the class labels of ``real_samples``
            (required there, refused otherwise); the expert judges each real probe sample with
            its own label. The forger's probe samples get the labels ``0, 1, ..., K-1, 0, ...``
            beside their fixed latent vectors, and the expert judges them with those.
        every: check every this many training steps (default 100). NaN/inf in the step's logs
            is checked after every step.
        probe_size: real samples and latent vectors per check (default 512; a multiple of the
            GAN's ``pack``).
        seed: seed of the probe's latent vectors (fixed for the whole run).
        expert_accuracy: warn that the expert wins when it classifies at least this share of
            the real *and* of the fake probe samples correctly (default 0.98). Not checked under
            a loss whose scores have no decision threshold (Wasserstein).
        min_gradient_norm: warn that the forger's gradient vanishes below this norm (default 1e-3).
        min_spread: warn of collapse when the forger's spread (root mean variance of its samples)
            falls below this fraction of the real samples' spread (default 0.25) ...
        min_recall: ... or when fewer than this share of the real probe samples lie within the
            distance from some forgery to its 3rd-nearest fellow forgery (`ganlib.metrics.recall`
            with k=3; default 0.25). Collapse is checked from ``warmup_steps`` on (default 500),
            since an untrained forger paints a small blob.
        window: number of recent checks `loss_trend` looks at (default 8); ``swing`` and
            ``loss_limit`` go to it.
        verbose: print each warning when it fires (default True).
    """

    def __init__(
        self,
        real_samples,
        every: int = 100,
        probe_size: int = 512,
        seed: int = 0,
        expert_accuracy: float = 0.98,
        min_gradient_norm: float = 1e-3,
        min_spread: float = 0.25,
        min_recall: float = 0.25,
        warmup_steps: int = 500,
        window: int = 8,
        swing: float = 0.5,
        loss_limit: float = 100.0,
        verbose: bool = True,
        real_labels=None,
    ):
        super().__init__()
        self.every = checks.check_positive_int("every", every)
        if not isinstance(probe_size, int) or probe_size < 8:
            raise ValueError(f"probe_size must be an integer >= 8; got {probe_size!r}")
        if not isinstance(window, int) or window < 3:
            raise ValueError(f"window must be an integer >= 3; got {window!r}")
        real_samples = np.asarray(real_samples, dtype=np.float32)
        if real_samples.ndim < 2 or len(real_samples) < probe_size:
            raise ValueError(
                f"real_samples must hold at least probe_size={probe_size} samples, shape (n, ...); "
                f"got shape {real_samples.shape}"
            )
        self.real_probe = real_samples[:probe_size]
        self.real_labels, self._num_real = real_labels, len(real_samples)
        self.probe_size, self.seed = probe_size, seed
        self.expert_accuracy, self.min_gradient_norm = expert_accuracy, min_gradient_norm
        self.min_spread, self.min_recall, self.warmup_steps = min_spread, min_recall, warmup_steps
        self.window, self.swing, self.loss_limit, self.verbose = window, swing, loss_limit, verbose
        self.warnings: list[dict] = []
        self.records: list[dict] = []
        self.step = 0
        #: The last epoch (counted from 1, as ModelCheckpoint's ``{epoch}``) that ended with all weights finite.
        self.last_good_epoch: int | None = None
        self._broken = False
        self._active: set[str] = set()
        self._latent = None
        self._fake_labels = self._real_probe_labels = None
        self._real_spread = _spread(self.real_probe)

    # ------------------------------------------------------------------ what it reports
    def kinds(self) -> list[str]:
        """The kinds of warning that fired so far, each once, in the order they first fired."""
        return list(dict.fromkeys(warning["kind"] for warning in self.warnings))

    def _warn(self, kind: str, message: str) -> None:
        if kind in self._active:
            return  # already said; say it again only after the condition cleared
        self._active.add(kind)
        self.warnings.append({"step": self.step, "kind": kind, "message": message})
        if self.verbose:
            print(f"[health, step {self.step}] {message}")

    def _clear(self, kind: str) -> None:
        self._active.discard(kind)

    # --------------------------------------------------------------------- the probes
    def on_train_begin(self, logs=None):
        if self.probe_size % self.model.pack:
            raise ValueError(
                f"probe_size must be a multiple of the GAN's pack={self.model.pack}; got {self.probe_size}"
            )
        if self._latent is None:
            self._draw_probe_labels()
            self._latent = self.model.sample_latent(self.probe_size, seed=self.seed)
        self.last_good_epoch, self._broken = None, False  # epochs count afresh in each fit()

    def _draw_probe_labels(self) -> None:
        """For a conditional GAN, the labels of the real probe samples and the fixed labels of the fake ones."""
        model = self.model
        if not model.conditional:
            if self.real_labels is not None:
                raise ValueError("real_labels= needs a conditional GAN (num_classes set); got num_classes=None")
            return
        if self.real_labels is None:
            raise ValueError(
                f"a conditional GAN (num_classes={model.num_classes}) needs real_labels=, the labels of real_samples; "
                "got None"
            )
        real_labels = checks.check_labels(self.real_labels, model.num_classes, self._num_real)
        self._real_probe_labels = tf.constant(real_labels[: self.probe_size].astype(np.int32))
        self._fake_labels = tf.constant((np.arange(self.probe_size) % model.num_classes).astype(np.int32))

    def on_epoch_end(self, epoch, logs=None):
        if not self._broken and _all_finite(self.model.weights):
            self.last_good_epoch = epoch + 1

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        values = {key: float(value) for key, value in (logs or {}).items() if key in ("d_loss", "g_loss")}
        bad = [key for key, value in values.items() if not np.isfinite(value)]
        if bad:
            broken = ", ".join(f"{key}={values[key]}" for key in bad)
            self._stop_not_finite(f"the losses are no longer finite ({broken})")
            return
        if self.step % self.every == 0:
            self.check()

    def _probe(self) -> dict:
        """Play the game once on the probe batches, without training: losses, gradient norm, spread, recall."""
        model = self.model
        inputs = self._latent if self._fake_labels is None else [self._latent, self._fake_labels]
        with tf.GradientTape() as tape:
            fake = model.generator(inputs, training=False)
            fake_logits = model.discriminate(fake, self._fake_labels)
            real_logits = model.discriminate(tf.constant(self.real_probe), self._real_probe_labels)
            g_loss = tf.reduce_mean(losses.generator_loss(model.loss_name, fake_logits, real_logits))
        gradients = tape.gradient(g_loss, model.generator.trainable_weights)
        gradient_norm = float(tf.linalg.global_norm([g for g in gradients if g is not None]))
        d_loss = float(tf.reduce_mean(losses.discriminator_loss(model.loss_name, real_logits, fake_logits)))
        fake = keras.ops.convert_to_numpy(fake)
        record = {
            "step": self.step,
            "d_loss": d_loss,
            "g_loss": float(g_loss),
            "gradient_norm": gradient_norm,
            "spread": _spread(fake) / self._real_spread if self._real_spread > 0 else float("nan"),
            "recall": self._recall(fake),
        }
        record.update(_verdicts(losses.get(model.loss_name), real_logits, fake_logits))
        return record

    def _recall(self, fake: np.ndarray) -> float:
        """`ganlib.metrics.recall` of the probe samples, each flattened; 0.0 for non-finite forgeries."""
        fake = fake.reshape(len(fake), -1)
        if not np.all(np.isfinite(fake)):
            return 0.0  # the forger broke; the not-finite check stops training on the losses
        return metrics.recall(self.real_probe.reshape(len(self.real_probe), -1), fake, k=3)

    # ---------------------------------------------------------------------- the checks
    def check(self) -> dict:
        """Probe the game now, record the numbers, and warn about what is wrong; returns the record."""
        record = self._probe()
        self.records.append(record)
        numbers = [record["d_loss"], record["g_loss"], record["gradient_norm"]]
        if not np.all(np.isfinite(numbers)):
            self._stop_not_finite(f"the probe's losses or gradient are no longer finite ({numbers})")
            return record
        self._check_expert_wins(record)
        self._check_vanishing_gradient(record)
        self._check_collapse(record)
        self._check_loss_trends(record)
        return record

    def _stop_not_finite(self, what: str) -> None:
        """Stop training, saying what broke, what to change, and how to get the last good weights back."""
        self._broken = True
        if self.last_good_epoch is None:
            recovery = ("No epoch ended with finite weights before this, so no checkpoint of an epoch holds good "
                        "weights; train in several shorter epochs to have some.")
        else:
            n = self.last_good_epoch
            recovery = (
                f"The last good weights are those at the end of epoch {n}: with "
                '`keras.callbacks.ModelCheckpoint(folder + "/epoch_{epoch}.weights.h5", save_weights_only=True)` '
                f'among the callbacks, `gan.load_weights(folder + "/epoch_{n}.weights.h5")` gets them back. '
                "(`keras.callbacks.BackupAndRestore` cannot: it keeps only the latest state, this broken one.)"
            )
        self._warn("not_finite", f"{what}: training stopped. Lower the learning rates, or bound the expert "
                   f"(gradient penalty, spectral normalization). {recovery}")
        self.model.stop_training = True

    def _check_expert_wins(self, record: dict) -> None:
        """The expert tells nearly every real and fake probe sample apart."""
        accuracies = [record[key] for key in ("real_accuracy", "fake_accuracy") if key in record]
        if not (accuracies and min(accuracies) >= self.expert_accuracy):
            self._clear("expert_wins")
            return
        verdicts = f"; D(real) = {record['d_real']:.3f}, D(fake) = {record['d_fake']:.3f}" if "d_real" in record else ""
        self._warn(
            "expert_wins",
            f"the expert wins too easily: it tells {record['real_accuracy']:.0%} of real and "
            f"{record['fake_accuracy']:.0%} of fake samples apart{verdicts}. The forger learns little from a "
            "judge that is always sure; weaken the expert or use a loss that does not saturate.",
        )

    def _check_vanishing_gradient(self, record: dict) -> None:
        """The norm of the forger's gradient falls below ``min_gradient_norm``."""
        if not record["gradient_norm"] < self.min_gradient_norm:
            self._clear("vanishing_gradient")
            return
        self._warn(
            "vanishing_gradient",
            f"the forger's gradient vanishes: its norm is {record['gradient_norm']:.2e} "
            f"(< {self.min_gradient_norm:g}). It cannot improve; with the minimax loss, switch to the "
            "non-saturating one.",
        )

    def _check_collapse(self, record: dict) -> None:
        """After the warm-up, the forger's samples spread too narrowly or reach too few real ones."""
        if self.step < self.warmup_steps:
            return
        if not (record["spread"] < self.min_spread or record["recall"] < self.min_recall):
            self._clear("collapse")
            return
        self._warn(
            "collapse",
            f"the forger paints too little variety (mode collapse): its samples spread {record['spread']:.2f} "
            f"times as wide as the real ones and reach {record['recall']:.0%} of the real probe samples. Try "
            "packing, a regularized expert (spectral normalization, gradient penalty) or lower learning rates.",
        )

    def _check_loss_trends(self, record: dict) -> None:
        """Divergence (a loss past ``loss_limit``, else a growing trend) or oscillation over the recent checks."""
        too_large = [key for key in ("d_loss", "g_loss") if abs(record[key]) > self.loss_limit]
        if too_large:
            key = too_large[0]
            self._warn("divergence", f"the {key} diverges: {record[key]:.3g}, beyond +-{self.loss_limit:g}. "
                       "Bound the expert (gradient penalty, spectral normalization) or lower the learning rates.")
            return
        recent = self.records[-self.window :]
        if len(recent) < self.window:
            return
        for key in ("d_loss", "g_loss"):
            values = [r[key] for r in recent]
            trend = loss_trend(values, self.swing, self.loss_limit)
            if trend == "divergence":
                self._warn("divergence", f"the {key} diverges: {values[0]:.3g} -> {values[-1]:.3g} "
                           f"over the last {self.window} checks. Bound the expert or lower the learning rates.")
                return
            if trend == "oscillation":
                self._warn("oscillation", f"the {key} oscillates between {min(values):.3g} and {max(values):.3g} "
                           f"over the last {self.window} checks: the players circle instead of settling. "
                           "Lower the learning rates or beta_1, or average the forger's weights.")
                return
        self._clear("divergence")
        self._clear("oscillation")


def _verdicts(loss: losses.Loss, real_logits, fake_logits) -> dict:
    """The expert's accuracies at the loss's decision threshold, and D(real), D(fake) under a probability loss."""
    real_scores = np.ravel(keras.ops.convert_to_numpy(real_logits)).astype(np.float64)
    fake_scores = np.ravel(keras.ops.convert_to_numpy(fake_logits)).astype(np.float64)
    verdicts = {}
    if loss.decision_threshold is not None:
        verdicts["real_accuracy"] = float(np.mean(real_scores > loss.decision_threshold))
        verdicts["fake_accuracy"] = float(np.mean(fake_scores < loss.decision_threshold))
    if loss.probability:
        verdicts["d_real"] = float(np.mean(expit(real_scores)))
        verdicts["d_fake"] = float(np.mean(expit(fake_scores)))
    return verdicts


def _all_finite(variables) -> bool:
    """Whether every floating-point variable holds only finite values (integer ones, such as counters, are skipped)."""
    return all(bool(np.all(np.isfinite(keras.ops.convert_to_numpy(variable))))
               for variable in variables if "float" in str(variable.dtype))


def _spread(samples) -> float:
    """Root mean variance of the samples' features: how widely they spread."""
    flat = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    return float(np.sqrt(np.mean(np.var(flat, axis=0))))


class ModeTracker(keras.callbacks.Callback):
    """Every ``every`` steps, measure the forger on a 2-D benchmark with `ganlib.modes.mode_statistics`.

    Draws ``num_samples`` (2,500, the benchmark's number) from the same latent vectors each time
    (``seed``); keeps ``self.steps`` and ``self.history`` (one dict of mode statistics per check,
    the untrained forger first, as step 0). Explained in chapter 05.
    """

    def __init__(self, dataset: str, every: int = 250, num_samples: int = 2500, seed: int = 0):
        super().__init__()
        modes.benchmark_modes(dataset)  # a ValueError for an unknown data set, before training
        self.every = checks.check_positive_int("every", every)
        self.dataset, self.num_samples, self.seed = dataset, num_samples, seed
        self.steps: list[int] = []
        self.history: list[dict] = []
        self._step = 0

    def _measure(self) -> None:
        samples = self.model.generate(self.num_samples, seed=self.seed)
        self.steps.append(self._step)
        self.history.append(modes.mode_statistics(samples, self.dataset))

    def on_train_begin(self, logs=None):
        if not self.history:
            self._measure()

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        if self._step % self.every == 0:
            self._measure()

    def series(self, key: str) -> np.ndarray:
        """One number of the statistics (``"modes"``, ``"high_quality"``, ``"reverse_kl"``) over the checks."""
        return np.array([record[key] for record in self.history])
