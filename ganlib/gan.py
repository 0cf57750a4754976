"""The game: a forger (generator) and an expert (discriminator) trained against each other.

`GAN` is a subclassed ``keras.Model`` with its own ``train_step``, so the whole game runs
through ``fit()`` with Keras's callbacks, progress bar, checkpoints and ``tf.distribute``.

Explained in chapter 03; the options for fixing a game that goes wrong in chapter 06.
"""

from __future__ import annotations

import re

import keras
import numpy as np
import tensorflow as tf

from ganlib import losses

#: The two orders in which a step can update the players (chapter 03, "One step of the game").
UPDATE_ORDERS = ("sequential", "simultaneous")
#: Where ``save_weights`` keeps the state of the noise generator (chapter 11).
_SEED_STATE_KEY = "seed_generator_state"
#: What the input pipeline's check of the real samples says when a batch holds NaN or inf (chapter 04).
_NON_FINITE_MESSAGE = "ganlib: non-finite real values in a batch, count"


def _shape_text(shape) -> str:
    return "(" + ", ".join("batch" if size is None else str(size) for size in shape) + ")"


@keras.saving.register_keras_serializable(package="ganlib")
class GAN(keras.Model):
    """A generator and a discriminator playing the GAN game, trained with ``fit()``.

    Args:
        generator: a ``keras.Model`` that maps a flat latent vector, shape
            ``(batch, latent_dim)``, to a sample. The latent size is read from its input.
        discriminator: a ``keras.Model`` that maps a sample to one score (a logit) per example.
        loss: the name of the game's loss, one of ``ganlib.losses.LOSSES``
            (default ``"non_saturating"``).
        d_steps: expert updates per forger update (default 1).
        label_smoothing: one-sided label smoothing for the expert's real targets (default 0).
        gradient_penalty: weight of the gradient penalty on the expert, evaluated on random
            interpolates between real and fake samples (WGAN-GP; default 0, off).
        update_order: ``"sequential"`` (default): the expert learns from a batch, then the
            forger learns against the *updated* expert from fresh noise, as the story tells it.
            ``"simultaneous"``: both players compute their gradients on the same fakes against
            the same expert, then both update; one generator pass less per step. Needs
            ``d_steps=1``.
        pack: PacGAN's packing (Lin et al. 2018): the expert judges ``pack`` samples at once,
            all real or all fake, concatenated along the last axis; the discriminator's input
            then has ``pack`` times the samples' last dimension (default 1, off).
        num_classes: for a conditional GAN (chapter 08), the number of classes ``K``: the
            generator then takes ``[latent vectors, labels]``, the discriminator
            ``[samples, labels]`` (labels: integers in ``[0, K)``, shape ``(batch,)``), and the
            real data are ``(samples, labels)`` pairs. ``None`` (default): unconditional.
        seed: seed of the noise generator attached to the model, so that a seeded run draws
            the same latent vectors every time.

    Randomness under ``tf.distribute`` (chapter 11): each replica draws the latent vectors (and
    labels and penalty weights) of the whole global batch from the shared seed and keeps its own
    slice, so N replicas train on exactly the noise that one device would draw.

    Metrics reported by ``fit()``: ``d_loss`` and ``g_loss`` (the two players' losses, mean
    over the examples of the epoch so far), and ``d_real`` and ``d_fake``: under the
    probability losses (minimax, non-saturating) the expert's mean probability that a real
    and a forged sample is real; under the other losses the expert's mean raw score.
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        loss: str = "non_saturating",
        d_steps: int = 1,
        label_smoothing: float = 0.0,
        gradient_penalty: float = 0.0,
        update_order: str = "sequential",
        pack: int = 1,
        num_classes: int | None = None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if num_classes is not None and (not isinstance(num_classes, (int, np.integer)) or num_classes < 2):
            raise ValueError(f"num_classes must be None or an integer >= 2; got {num_classes!r}")
        self.num_classes = None if num_classes is None else int(num_classes)
        self.latent_dim = _latent_dim_of(generator, self.conditional)
        self.sample_shape = _sample_shape_of(generator)
        if not isinstance(pack, int) or pack < 1:
            raise ValueError(f"pack must be an integer >= 1; got {pack!r}")
        if pack > 1 and self.conditional:
            raise ValueError(f"pack > 1 is not supported for a conditional GAN (num_classes set); got pack={pack}")
        _check_discriminator(discriminator, packed_shape(self.sample_shape, pack), pack, self.conditional)
        self.loss_name = losses.check_loss_name(loss)
        if not isinstance(d_steps, int) or d_steps < 1:
            raise ValueError(f"d_steps must be an integer >= 1; got {d_steps!r}")
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}")
        if label_smoothing and loss not in losses.PROBABILITY_LOSSES:
            raise ValueError(
                f"label_smoothing works with the losses {losses.PROBABILITY_LOSSES}; got loss={loss!r}"
            )
        if gradient_penalty < 0:
            raise ValueError(f"gradient_penalty must be >= 0; got {gradient_penalty!r}")
        if update_order not in UPDATE_ORDERS:
            raise ValueError(f"update_order must be one of {UPDATE_ORDERS}; got {update_order!r}")
        if update_order == "simultaneous" and d_steps != 1:
            raise ValueError(f"update_order='simultaneous' needs d_steps=1; got d_steps={d_steps}")
        self.generator = generator
        self.discriminator = discriminator
        self.d_steps = d_steps
        self.label_smoothing = float(label_smoothing)
        self.gradient_penalty = float(gradient_penalty)
        self.update_order = update_order
        self.pack = pack
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # both players are built models, so the game has all its weights

    @property
    def conditional(self) -> bool:
        """True for a conditional GAN (``num_classes`` set; chapter 08)."""
        return self.num_classes is not None

    # ----------------------------------------------------------------------------- setup
    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Give each player its own optimizer (a different learning rate each is chapter 06's TTUR)."""
        if d_optimizer is None or g_optimizer is None:
            raise ValueError(
                "GAN.compile needs both d_optimizer= and g_optimizer=, for example "
                "keras.optimizers.Adam(2e-4, beta_1=0.5); got "
                f"d_optimizer={d_optimizer!r}, g_optimizer={g_optimizer!r}"
            )
        if "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                "GAN.compile takes d_optimizer= and g_optimizer=, and the loss goes to GAN(loss=...); "
                f"got {sorted(key for key in ('optimizer', 'loss') if key in kwargs)}"
            )
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = _with_loss_scaling(keras.optimizers.get(d_optimizer), self.discriminator)
        self.g_optimizer = _with_loss_scaling(keras.optimizers.get(g_optimizer), self.generator)
        # Create the optimizers' variables now, in the strategy's scope (chapter 11): created later,
        # inside the replicated train step, Adam's moments break under MirroredStrategy; and a
        # checkpoint (BackupAndRestore, load_weights) needs them to exist before it can load them.
        with self.distribute_strategy.scope():
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, inputs, training=False):
        """The model's forward pass is the forger's: latent vectors (and labels) in, samples out."""
        return self.generator(inputs, training=training)

    # ------------------------------------------------------------------------- the game
    def sample_latent(self, batch_size, seed=None):
        """Standard-normal latent vectors, shape ``(batch_size, latent_dim)``.

        With ``seed=None`` the model's own seed generator is used (and advanced); an integer
        seed gives the same vectors every time.
        """
        seed = self.seed_generator if seed is None else seed
        return keras.random.normal((batch_size, self.latent_dim), seed=seed)

    def sample_labels(self, batch_size, seed=None):
        """Uniformly random class labels in ``[0, num_classes)``, shape ``(batch_size,)`` (chapter 08)."""
        if not self.conditional:
            raise ValueError("sample_labels needs a conditional GAN (num_classes set); this one has num_classes=None")
        seed = self.seed_generator if seed is None else seed
        return keras.random.randint((batch_size,), 0, self.num_classes, seed=seed, dtype="int32")

    def _for_this_replica(self, draw, batch_size):
        """Draw for the whole global batch and keep this replica's slice (chapter 11).

        With one replica this is ``draw(batch_size)``. With N replicas, each one draws N times
        its batch from the shared seed state (the same numbers on every replica) and keeps the
        slice at its own position, so the global batch gets the noise one device would draw.
        """
        context = tf.distribute.get_replica_context()
        replicas = 1 if context is None else context.num_replicas_in_sync
        if replicas == 1:
            return draw(batch_size)
        everything = draw(batch_size * replicas)
        start = tf.cast(context.replica_id_in_sync_group, tf.int32) * batch_size
        return everything[start : start + batch_size]

    def _training_latent(self, batch_size):
        return self._for_this_replica(self.sample_latent, batch_size)

    def _training_labels(self, batch_size):
        return self._for_this_replica(self.sample_labels, batch_size)

    def _forge(self, latent, labels, training=True):
        inputs = latent if labels is None else [latent, labels]
        return self.generator(inputs, training=training)

    def _pack(self, samples):
        """(batch, ..., c) -> (batch / pack, ..., pack * c): groups of ``pack`` samples side by side."""
        if self.pack == 1:
            return samples
        shape = tf.shape(samples)
        grouped = tf.reshape(samples, tf.concat([[shape[0] // self.pack, self.pack], shape[1:]], axis=0))
        rank = len(samples.shape)
        # move the group axis next to the channels, then merge them
        order = [0] + list(range(2, rank)) + [1, rank]
        merged = tf.transpose(grouped, order)
        new_shape = tf.concat([[shape[0] // self.pack], shape[1:-1], [self.pack * shape[-1]]], axis=0)
        return tf.reshape(merged, new_shape)

    def _judge(self, samples, labels=None):
        """The expert's logits for a batch of samples (packed first when ``pack`` > 1; with labels if conditional)."""
        if labels is not None:
            return self.discriminator([samples, labels], training=True)
        return self.discriminator(self._pack(samples), training=True)

    def _expert_probability_or_score(self, logits):
        logits = tf.cast(logits, tf.float32)
        return tf.sigmoid(logits) if self.loss_name in losses.PROBABILITY_LOSSES else logits

    def _discriminator_loss(self, real, fake, real_logits, fake_logits, labels=None):
        per_example = losses.discriminator_loss(self.loss_name, real_logits, fake_logits, self.label_smoothing)
        if self.gradient_penalty:
            penalty = self._gradient_penalty(self._pack(real), self._pack(fake), labels)
            per_example += self.gradient_penalty * penalty
        return per_example

    def _gradient_penalty(self, real, fake, labels=None):
        """Per-example (||grad D(x_hat)|| - 1)^2 on x_hat = a*real + (1-a)*fake, a ~ U(0, 1).

        A conditional expert judges the interpolates with the real samples' labels.
        """
        batch_size = tf.shape(real)[0]
        weight = self._for_this_replica(
            lambda size: keras.random.uniform((size,), seed=self.seed_generator, dtype=real.dtype), batch_size
        )
        weight = tf.reshape(weight, tf.concat([[batch_size], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0))
        interpolates = weight * real + (1.0 - weight) * tf.cast(fake, real.dtype)
        with tf.GradientTape() as tape:
            tape.watch(interpolates)
            scores = self.discriminator(interpolates if labels is None else [interpolates, labels], training=True)
        gradients = tf.reshape(tape.gradient(scores, interpolates), [batch_size, -1])
        # the epsilon keeps the norm's gradient finite where the gradient is exactly zero
        norm = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(gradients, tf.float32)), axis=1) + 1e-12)
        return tf.square(norm - 1.0)

    def _apply(self, optimizer, tape, scaled_loss, model):
        """Apply the gradients of a loss already scaled with ``optimizer.scale_loss`` (mixed precision)."""
        gradients = tape.gradient(scaled_loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))

    def _unpack_data(self, data):
        """(real samples, real labels or None) from what fit() hands to train_step."""
        if self.conditional:
            if not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None:
                raise ValueError("a conditional GAN trains on (samples, labels) pairs; got samples without labels")
            labels = tf.cast(tf.reshape(data[1], [-1]), tf.int32)
            return data[0], labels
        return (data[0] if isinstance(data, (tuple, list)) else data), None

    def train_step(self, data):
        """One step of the game on a batch of real samples (chapter 03): see `_play`."""
        real, real_labels = self._unpack_data(data)
        _check_batch_shape(real.shape, self.sample_shape)
        real = tf.cast(real, tf.float32)
        if self.pack > 1 and real.shape[0] is not None and real.shape[0] % self.pack:
            raise ValueError(f"with pack={self.pack} the batch size must be a multiple of it; got {real.shape[0]}")
        # Nothing moves (weights, optimizers, noise) before the batch is there: a batch that fails the
        # input pipeline's check (`refuse_non_finite`) stops the step before any update.
        with tf.control_dependencies([real]):
            self._play(real, real_labels)
        return self._reported_metrics()

    def _play(self, real, real_labels):
        """One step of the game on a batch of real samples: both players' updates and the trackers (chapter 03)."""
        batch_size = tf.shape(real)[0]

        def draw_labels():
            return self._training_labels(batch_size) if self.conditional else None

        if self.update_order == "simultaneous":
            latent, fake_labels = self._training_latent(batch_size), draw_labels()
            with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
                fake = self._forge(latent, fake_labels)
                real_logits, fake_logits = self._judge(real, real_labels), self._judge(fake, fake_labels)
                d_per_example = self._discriminator_loss(real, fake, real_logits, fake_logits, real_labels)
                g_per_example = losses.generator_loss(self.loss_name, fake_logits)
                d_loss = tf.nn.compute_average_loss(d_per_example)
                g_loss = tf.nn.compute_average_loss(g_per_example)
                d_scaled, g_scaled = self.d_optimizer.scale_loss(d_loss), self.g_optimizer.scale_loss(g_loss)
            self._apply(self.d_optimizer, d_tape, d_scaled, self.discriminator)
            self._apply(self.g_optimizer, g_tape, g_scaled, self.generator)
        else:
            # 1. the expert studies real paintings and fresh forgeries (d_steps times)
            for _ in range(self.d_steps):
                latent, fake_labels = self._training_latent(batch_size), draw_labels()
                with tf.GradientTape() as d_tape:
                    fake = self._forge(latent, fake_labels)
                    real_logits, fake_logits = self._judge(real, real_labels), self._judge(fake, fake_labels)
                    d_per_example = self._discriminator_loss(real, fake, real_logits, fake_logits, real_labels)
                    d_loss = tf.nn.compute_average_loss(d_per_example)
                    d_scaled = self.d_optimizer.scale_loss(d_loss)
                self._apply(self.d_optimizer, d_tape, d_scaled, self.discriminator)
            # 2. the forger paints new fakes and learns from the updated expert's verdict
            latent, fake_labels = self._training_latent(batch_size), draw_labels()
            with tf.GradientTape() as g_tape:
                generated = self._forge(latent, fake_labels)
                g_per_example = losses.generator_loss(self.loss_name, self._judge(generated, fake_labels))
                g_loss = tf.nn.compute_average_loss(g_per_example)
                g_scaled = self.g_optimizer.scale_loss(g_loss)
            self._apply(self.g_optimizer, g_tape, g_scaled, self.generator)

        # Per-example values: the trackers' means are then exact over the global batch,
        # also when replicas each see part of it.
        self.d_loss_tracker.update_state(d_per_example)
        self.g_loss_tracker.update_state(g_per_example)
        self.d_real_tracker.update_state(self._expert_probability_or_score(tf.reshape(real_logits, [-1])))
        self.d_fake_tracker.update_state(self._expert_probability_or_score(tf.reshape(fake_logits, [-1])))

    def _reported_metrics(self):
        """The trackers' running means over the global batch, the same value on every replica (chapter 11).

        Inside a replica each tracker holds only that replica's share, so with N replicas the
        totals and counts are summed over the replicas first; ``fit()`` then averages N equal
        values. Across several workers (MultiWorkerMirroredStrategy) Keras averages with
        ``strategy.reduce("MEAN", value, axis=0)``, which fails on a scalar, so there each value
        goes out with shape (1,) and comes back from that average as a scalar.
        """
        context = tf.distribute.get_replica_context()
        if context is None or context.num_replicas_in_sync == 1:
            return {metric.name: metric.result() for metric in self.metrics}
        # tf.identity reads this replica's value (all_reduce refuses the variables themselves)
        totals = context.all_reduce("SUM", [tf.identity(metric.total) for metric in self.metrics])
        counts = context.all_reduce("SUM", [tf.identity(metric.count) for metric in self.metrics])
        shape = [1] if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy) else []
        return {metric.name: tf.reshape(tf.math.divide_no_nan(total, count), shape)
                for metric, total, count in zip(self.metrics, totals, counts)}

    # ------------------------------------------------------------- checks around fit()
    def fit(self, x=None, y=None, **kwargs):
        """Train on real samples: a ``tf.data.Dataset`` of batches or an array of samples.

        The first batch (or the whole array) is checked before training starts: shape against the
        forger's output, a float dtype, not empty, finite, and images in [-1, 1] (raw 0-255 images
        get a hint to scale). A dataset's later batches are checked for NaN and inf as the input
        pipeline delivers them, outside the training step (so XLA compiles the step as it is): at
        the first such batch ``fit`` stops with a ValueError that names it (chapter 04), before
        that batch changes any weight.
        """
        check_real_data(x, self.sample_shape, labels=y, num_classes=self.num_classes)
        callbacks = kwargs.pop("callbacks", None)
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise ValueError(f"callbacks must be a list of keras.callbacks.Callback; got {type(callbacks).__name__}")
        if not isinstance(x, tf.data.Dataset):
            return super().fit(x, y, callbacks=callbacks, **kwargs)
        kwargs.setdefault("shuffle", False)  # a dataset shuffles itself (ganlib.data.make_dataset)
        position = _BatchPosition()
        try:
            return super().fit(refuse_non_finite(x), y, callbacks=[*(callbacks or []), position], **kwargs)
        except tf.errors.InvalidArgumentError as error:
            count = re.search(re.escape(_NON_FINITE_MESSAGE) + r"\]\s*\[(\d+)\]", error.message or "")
            if count is None:
                raise
            raise ValueError(
                f"real samples must be finite numbers: {position.describe()} has {count.group(1)} non-finite "
                "values (NaN or inf). Training stopped before that batch changed any weight; find where the "
                "data pipeline makes them (a division by zero, a log of 0, a corrupt file)."
            ) from None

    # ------------------------------------------------------------------------ sampling
    def generate(self, num_samples: int, seed: int | None = None, batch_size: int = 1024, labels=None) -> np.ndarray:
        """Draw ``num_samples`` forgeries as a NumPy array (inference mode).

        The same integer ``seed`` gives the same samples, also after saving and reloading. A
        conditional GAN paints the digits in ``labels`` (integers, shape ``(num_samples,)``;
        default ``0, 1, ..., K-1, 0, 1, ...``).
        """
        if not isinstance(num_samples, (int, np.integer)) or num_samples < 1:
            raise ValueError(f"num_samples must be a positive integer; got {num_samples!r}")
        num_samples = int(num_samples)
        if self.conditional:
            labels = np.arange(num_samples) % self.num_classes if labels is None else labels
            labels = check_labels(labels, self.num_classes, num_samples)
        elif labels is not None:
            raise ValueError("labels= needs a conditional GAN (num_classes set); this one has num_classes=None")
        latent = self.sample_latent(num_samples, seed=seed)
        parts = []
        for start in range(0, num_samples, batch_size):
            part_labels = None if labels is None else keras.ops.convert_to_tensor(labels[start : start + batch_size])
            part = self._forge(latent[start : start + batch_size], part_labels, training=False)
            parts.append(keras.ops.convert_to_numpy(part))
        return np.concatenate(parts).astype(np.float32)

    # ------------------------------------------------------------------- serialization
    def save_own_variables(self, store):
        """Save the noise generator's state with the weights (``save_weights``, ``BackupAndRestore``).

        A run resumed from a checkpoint then draws the latent vectors it would have drawn had it
        never stopped (chapter 11). Both optimizers are attributes, so their state is saved already.
        """
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        super().load_own_variables({key: store[key] for key in keys if key != _SEED_STATE_KEY})
        if _SEED_STATE_KEY in keys:  # files written before the state was saved have none
            self.seed_generator.state.assign(np.asarray(store[_SEED_STATE_KEY]))

    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "loss": self.loss_name,
            "d_steps": self.d_steps,
            "label_smoothing": self.label_smoothing,
            "gradient_penalty": self.gradient_penalty,
            "update_order": self.update_order,
            "pack": self.pack,
            "num_classes": self.num_classes,
            "seed": self.seed,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["generator"] = keras.saving.deserialize_keras_object(config["generator"])
        config["discriminator"] = keras.saving.deserialize_keras_object(config["discriminator"])
        return cls(**config)

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {
            "d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
            "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer),
        }

    def compile_from_config(self, config):
        self.compile(
            d_optimizer=keras.saving.deserialize_keras_object(config["d_optimizer"]),
            g_optimizer=keras.saving.deserialize_keras_object(config["g_optimizer"]),
        )  # compile creates the optimizers' variables, so their saved state can be loaded into them


# ---------------------------------------------------------------------------- checks
def refuse_non_finite(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """The dataset, with each batch's real samples checked for NaN and inf as it is delivered (chapter 04).

    The samples are the element itself or, for ``(samples, labels)`` pairs, its first part. A
    batch with any non-finite value fails with a ``tf.errors.InvalidArgumentError`` whose message
    holds the count; `GAN.fit` turns it into a ValueError that names the batch. The check runs in
    the input pipeline, so the training step (and XLA's compilation of it) stays as it is.
    """

    def check(*element):
        count = tf.reduce_sum(tf.cast(tf.logical_not(tf.math.is_finite(element[0])), tf.int64))
        with tf.control_dependencies([tf.debugging.Assert(tf.equal(count, 0), [_NON_FINITE_MESSAGE, count])]):
            checked = tuple(tf.identity(part) for part in element)
        return checked if len(checked) > 1 else checked[0]

    return dataset.map(check)


class _BatchPosition(keras.callbacks.Callback):
    """Where ``fit`` is: the epoch, and the batch whose step comes next (for `GAN.fit`'s error message).

    With ``steps_per_execution`` > 1 one call runs several steps and the callbacks hear of the
    first only; the forger's optimizer, which counts the steps taken, tells how many of them ran.
    """

    epoch, batch, steps_before = 0, 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.batch = batch
        if self.model.steps_per_execution > 1:
            self.steps_before = int(self.model.g_optimizer.iterations.numpy())

    def describe(self) -> str:
        batch = self.batch
        if self.model.steps_per_execution > 1:
            batch += int(self.model.g_optimizer.iterations.numpy()) - self.steps_before
        return f"batch {batch} of epoch {self.epoch}"


def _with_loss_scaling(optimizer, model):
    """Wrap the optimizer in a LossScaleOptimizer when its player computes in float16 (chapter 11).

    bfloat16 has float32's range and needs no loss scaling; float16 does, or small gradients
    underflow to zero.
    """
    if model.dtype_policy.compute_dtype == "float16" and not isinstance(
        optimizer, keras.optimizers.LossScaleOptimizer
    ):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def _input_shapes(model) -> list:
    shapes = model.input_shape
    return [tuple(shape) for shape in shapes] if isinstance(shapes, list) else [tuple(shapes)]


def _latent_dim_of(generator, conditional: bool = False) -> int:
    if not isinstance(generator, keras.Model):
        raise ValueError(f"generator must be a keras.Model; got {type(generator).__name__}")
    try:
        shapes = _input_shapes(generator)
    except (AttributeError, ValueError) as error:
        raise ValueError(
            "the generator must be built with a known input shape (batch, latent_dim), "
            "for example with keras.Input(shape=(latent_dim,)); it has none"
        ) from error
    expected_inputs = 2 if conditional else 1
    if len(shapes) != expected_inputs:
        what = "[latent vectors, labels]" if conditional else "one input, the latent vectors"
        raise ValueError(f"the generator must take {what}; got {len(shapes)} inputs {shapes}")
    if conditional:
        _check_label_input(shapes[1], "generator")
    input_shape = shapes[0]
    if len(input_shape) != 2 or input_shape[1] is None:
        raise ValueError(
            f"the generator's input must be a flat latent vector of shape (batch, latent_dim); "
            f"got {_shape_text(input_shape)}"
        )
    return int(input_shape[1])


def _sample_shape_of(generator) -> tuple:
    output_shape = tuple(generator.output_shape)
    if any(size is None for size in output_shape[1:]):
        raise ValueError(f"the generator's output shape must be fully known; got {_shape_text(output_shape)}")
    return output_shape[1:]


def packed_shape(sample_shape, pack: int) -> tuple:
    """The shape the expert sees when it judges ``pack`` samples at once (last axis times ``pack``)."""
    return (*sample_shape[:-1], sample_shape[-1] * pack)


def _check_label_input(shape, player: str) -> None:
    if tuple(shape)[1:] not in ((), (1,)):
        raise ValueError(
            f"the {player}'s second input must be integer labels of shape (batch,) "
            f"(keras.Input(shape=(), dtype='int32')); got {_shape_text(shape)}"
        )


def _check_discriminator(discriminator, expected_shape, pack: int = 1, conditional: bool = False) -> None:
    if not isinstance(discriminator, keras.Model):
        raise ValueError(f"discriminator must be a keras.Model; got {type(discriminator).__name__}")
    shapes = _input_shapes(discriminator)
    expected_inputs = 2 if conditional else 1
    if len(shapes) != expected_inputs:
        what = "[samples, labels]" if conditional else "one input, the samples"
        raise ValueError(f"the discriminator must take {what}; got {len(shapes)} inputs {shapes}")
    if conditional:
        _check_label_input(shapes[1], "discriminator")
    input_shape = shapes[0][1:]
    if input_shape != tuple(expected_shape):
        what = "the generator's samples" if pack == 1 else f"{pack} of the generator's samples packed together"
        raise ValueError(
            f"the discriminator must take {what}, shape {_shape_text((None, *expected_shape))}; "
            f"its input is {_shape_text((None, *input_shape))}"
        )
    output_shape = tuple(discriminator.output_shape)[1:]
    if output_shape not in ((), (1,)):
        raise ValueError(
            f"the discriminator must return one score per example, shape (batch, 1); "
            f"got {_shape_text((None, *output_shape))}"
        )


def _check_batch_shape(batch_shape, sample_shape) -> None:
    got = tuple(batch_shape)[1:]
    if len(got) != len(sample_shape) or any(
        size is not None and size != expected for size, expected in zip(got, sample_shape)
    ):
        raise ValueError(
            f"real samples must have the generator's output shape {_shape_text((None, *sample_shape))}; "
            f"got {_shape_text((None, *got))}"
        )


def check_labels(labels, num_classes: int, num_samples: int | None = None) -> np.ndarray:
    """Integer class labels in ``[0, num_classes)``, shape ``(n,)`` (chapter 08); else ValueError."""
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape (n,); got dtype {labels.dtype}, shape {labels.shape}")
    if num_samples is not None and len(labels) != num_samples:
        raise ValueError(f"expected {num_samples} labels, one per sample; got {len(labels)}")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}); got {labels.min()}..{labels.max()}")
    return labels.astype(np.int32)


def check_real_data(data, sample_shape, labels=None, num_classes: int | None = None) -> None:
    """Check the first batch of real data before training on it.

    Shape against the forger's samples, a float dtype, at least one sample, no NaN or inf, and for images
    (samples of shape (height, width, channels)) values in [-1, 1], the range of the forger's tanh.
    For a conditional GAN (``num_classes`` set) the data are (samples, labels) and the labels
    are checked too.
    """
    if isinstance(data, tf.data.Dataset):
        first = next(iter(data.take(1)), None)
        if first is None:
            raise ValueError("the dataset of real samples is empty: expected at least one batch, got none")
        if isinstance(first, (tuple, list)):
            first, labels = first[0], (first[1] if len(first) > 1 else None)
        batch, where = first.numpy(), "the first batch"
        labels = None if labels is None else np.asarray(labels)
    elif data is None:
        raise ValueError("fit needs real samples: a tf.data.Dataset or an array; got None")
    else:
        if isinstance(data, (tuple, list)):
            data, labels = data[0], (data[1] if len(data) > 1 else labels)
        batch, where = np.asarray(data), "the array of real samples"
    if num_classes is not None:
        if labels is None:
            raise ValueError(
                "a conditional GAN trains on (samples, labels): pass fit(images, labels) or a dataset of "
                "(images, labels) pairs; got samples without labels"
            )
        check_labels(labels, num_classes, len(batch) if batch.ndim else None)
    if batch.ndim == 0 or batch.shape[0] == 0:
        raise ValueError(f"the real samples are empty: expected at least one sample, got shape {batch.shape}")
    _check_batch_shape(batch.shape, sample_shape)
    if not np.issubdtype(batch.dtype, np.floating):
        raise ValueError(
            f"real samples must be floats in [-1, 1]; got dtype {batch.dtype} with values "
            f"{batch.min()}..{batch.max()}. Scale raw images with ganlib.data.scale_images(images)."
        )
    non_finite = int(np.size(batch) - np.count_nonzero(np.isfinite(batch)))
    if non_finite:
        raise ValueError(
            f"real samples must be finite numbers: {where} has {non_finite} non-finite values "
            "(NaN or inf); expected none"
        )
    low, high = float(batch.min()), float(batch.max())
    is_image = len(sample_shape) == 3  # (height, width, channels): the course scales images to [-1, 1]
    if is_image and (low < -1.0 - 1e-6 or high > 1.0 + 1e-6):
        hint = " Scale raw 0-255 images with ganlib.data.scale_images(images)." if high > 1.5 else ""
        raise ValueError(
            f"real samples must lie in [-1, 1] (the forger's tanh range); got {low:.3g}..{high:.3g}.{hint}"
        )
