"""The game: a forger (generator) and an expert (discriminator) trained against each other.

`GAN` is a subclassed ``keras.Model`` with its own ``train_step``, so the whole game runs
through ``fit()`` with Keras's callbacks, progress bar, checkpoints and ``tf.distribute``. Its
step is the one the learner writes in chapter 03; the options for fixing a game that goes wrong
(chapter 06) live inside the two players' losses.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ganlib import checks, losses
from ganlib.layers import ClusterFromLatent

#: The two orders in which a step can update the players (chapter 03, "One step of the game").
UPDATE_ORDERS = ("sequential", "simultaneous")
#: Where ``save_weights`` keeps the state of the noise generator (chapter 11).
_SEED_STATE_KEY = "seed_generator_state"


@keras.saving.register_keras_serializable(package="ganlib")
class GAN(keras.Model):
    """A generator and a discriminator playing the GAN game, trained with ``fit()``.

    Args:
        generator: a ``keras.Model`` that maps a flat latent vector, shape
            ``(batch, latent_dim)``, to a sample. The latent size is read from its input.
        discriminator: a ``keras.Model`` that maps a sample to one score (a logit) per example.
        loss: the name of the game's loss, a key of ``ganlib.losses.LOSSES`` (default ``"non_saturating"``).
        d_steps: expert updates per forger update (default 1).
        label_smoothing: one-sided label smoothing for the expert's real targets (default 0).
        gradient_penalty: weight of the gradient penalty on the expert, evaluated on random
            interpolates between real and fake samples (WGAN-GP; default 0, off).
        r1_penalty, r2_penalty: weights gamma of the zero-centred penalties
            ``gamma / 2 * ||grad D(x)||^2`` on real samples (R1) and on forgeries (R2), the
            modern recipe's with ``loss="relativistic"`` (chapter 06; default 0, off).
        update_order: ``"sequential"`` (default): the expert learns from a batch, then the
            forger learns against the *updated* expert from fresh noise, as the story tells it.
            ``"simultaneous"``: both players compute their gradients on the same fakes against
            the same expert, then both update; one generator pass less per step. Needs ``d_steps=1``.
        pack: PacGAN's packing (Lin et al. 2018): the expert judges ``pack`` samples at once,
            all real or all fake, concatenated along the last axis; the discriminator's input
            then has ``pack`` times the samples' last dimension (default 1, off).
        num_classes: for a conditional GAN (chapter 08), the number of classes ``K``: the
            generator then takes ``[latent vectors, labels]``, the discriminator
            ``[samples, labels]`` (labels: integers in ``[0, K)``, shape ``(batch,)``), and the
            real data are ``(samples, labels)`` pairs. ``None`` (default): unconditional. A generator
            of latent vectors holding a `ganlib.layers.ClusterFromLatent` of ``K`` groups is
            self-conditioned (chapter 04): each forgery's label is the group its latent picks.
        seed: seed of the noise generator attached to the model, so that a seeded run draws
            the same latent vectors every time.

    Under ``tf.distribute`` every replica draws its slice of the noise one device would draw (chapter 11).

    Metrics reported by ``fit()``: ``d_loss`` and ``g_loss`` (the two players' losses, mean over
    the examples of the epoch so far); under the probability losses ``d_real`` and ``d_fake``, the
    expert's mean probability that a real and a forged sample is real; under the other losses
    ``score_real`` and ``score_fake``, its mean raw scores.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, loss: str = "non_saturating",
                 d_steps: int = 1, label_smoothing: float = 0.0, gradient_penalty: float = 0.0,
                 update_order: str = "sequential", pack: int = 1, num_classes: int | None = None,
                 seed: int | None = None, r1_penalty: float = 0.0, r2_penalty: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = checks.check_num_classes(num_classes)
        self.cluster_layer_name = _cluster_layer_name(generator, self.num_classes)  # chapter 04
        self.self_conditioned = self.cluster_layer_name is not None  # each forgery's label comes from its latent
        self.latent_dim = checks.latent_dim_of(generator, self.conditional and not self.self_conditioned)
        self.sample_shape = checks.sample_shape_of(generator)
        self.pack = checks.check_positive_int("pack", pack)
        if pack > 1 and self.conditional:
            raise ValueError(f"pack > 1 is not supported for a conditional GAN (num_classes set); got pack={pack}")
        checks.check_discriminator(discriminator, self.sample_shape, pack, self.conditional)
        self.game_loss = losses.get(loss)
        self.loss_name = self.game_loss.name
        self.d_steps = checks.check_positive_int("d_steps", d_steps)
        _check_options(self.game_loss, label_smoothing, gradient_penalty, update_order, d_steps, r1_penalty, r2_penalty)
        self.generator, self.discriminator = generator, discriminator
        self.label_smoothing, self.gradient_penalty = float(label_smoothing), float(gradient_penalty)
        self.r1_penalty, self.r2_penalty = float(r1_penalty), float(r2_penalty)
        self.update_order, self.seed = update_order, seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        real_name, fake_name = ("d_real", "d_fake") if self.game_loss.probability else ("score_real", "score_fake")
        self._game_metrics = [keras.metrics.Mean(name=name) for name in ("d_loss", "g_loss", real_name, fake_name)]
        self.built = True  # both players are built models, so the game has all its weights

    @property
    def conditional(self) -> bool:
        """True for a conditional GAN (``num_classes`` set; chapter 08)."""
        return self.num_classes is not None

    @property
    def metrics(self):
        return self._game_metrics

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Give each player its own optimizer (a different learning rate each is chapter 06's TTUR)."""
        if d_optimizer is None or g_optimizer is None or "optimizer" in kwargs or "loss" in kwargs:
            raise ValueError(
                "GAN.compile needs both d_optimizer= and g_optimizer=, for example keras.optimizers.Adam(2e-4, "
                "beta_1=0.5), and the loss goes to GAN(loss=...); got d_optimizer="
                f"{d_optimizer!r}, g_optimizer={g_optimizer!r}, other keys {sorted(kwargs)}"
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

    def call(self, inputs, training=False):
        """The model's forward pass is the forger's: latent vectors (and labels) in, samples out."""
        return self.generator(inputs, training=training)

    def sample_latent(self, batch_size, seed=None):
        """Standard-normal latent vectors, shape ``(batch_size, latent_dim)``; ``seed=None`` uses the model's own."""
        seed = self.seed_generator if seed is None else seed
        return keras.random.normal((batch_size, self.latent_dim), seed=seed)

    def sample_labels(self, batch_size, seed=None):
        """Uniformly random class labels in ``[0, num_classes)``, shape ``(batch_size,)`` (chapter 08)."""
        if not self.conditional:
            raise ValueError("sample_labels needs a conditional GAN (num_classes set); this one has num_classes=None")
        seed = self.seed_generator if seed is None else seed
        return keras.random.randint((batch_size,), 0, self.num_classes, seed=seed, dtype="int32")

    def _noise(self, batch_size):
        """This replica's latent vectors and (if conditional) labels for one batch of forgeries."""
        latent = _for_this_replica(self.sample_latent, batch_size)
        return latent, _labels_to_paint(self, latent, batch_size)

    # ------------------------------------------------------------------------- the game
    def discriminate(self, samples, labels=None, training=False):
        """The expert's scores (logits) for a batch: packed first when ``pack`` > 1, with labels if conditional."""
        if labels is not None:
            return self.discriminator([samples, labels], training=training)
        return self.discriminator(pack_samples(samples, self.pack), training=training)

    def _generate(self, latent, labels, training=True):
        return self.generator(latent if labels is None or self.self_conditioned else [latent, labels],
                              training=training)

    def _discriminator_loss(self, real, real_labels, fake, fake_labels):
        """The expert's per-example loss on a real batch and a batch of forgeries, plus both batches' scores."""
        real_logits, real_slopes = _scores(self, real, real_labels, self.r1_penalty)
        fake_logits, fake_slopes = _scores(self, fake, fake_labels, self.r2_penalty)
        per_example = losses.discriminator_loss(self.loss_name, real_logits, fake_logits, self.label_smoothing)
        if self.gradient_penalty:
            per_example += self.gradient_penalty * _interpolate_penalty(self, real, real_labels, fake)
        for weight, slopes in ((self.r1_penalty, real_slopes), (self.r2_penalty, fake_slopes)):
            if weight:  # R1 on real samples, R2 on forgeries: gamma / 2 * ||grad D||^2 (chapter 06)
                per_example += 0.5 * weight * slopes
        return per_example, real_logits, fake_logits

    def _generator_loss(self, fake_logits, real_logits=None):
        return losses.generator_loss(self.loss_name, fake_logits, real_logits)

    def train_step(self, data):
        """One step of the game on a batch of real samples (chapter 03): the expert learns, then the forger."""
        real, real_labels = _real_batch(data, self)
        batch_size = tf.shape(real)[0]
        mean = tf.nn.compute_average_loss  # over the global batch, right on any number of replicas (chapter 11)
        # Nothing moves before the batch is there: one refused by `checks.refuse_non_finite` changes nothing.
        with tf.control_dependencies([real]):
            if self.update_order == "sequential":
                for _ in range(self.d_steps):  # 1. the expert studies real paintings and fresh forgeries
                    latent, labels = self._noise(batch_size)
                    with tf.GradientTape() as d_tape:
                        fake = self._generate(latent, labels)
                        d_losses, real_logits, fake_logits = self._discriminator_loss(real, real_labels, fake, labels)
                        d_scaled = self.d_optimizer.scale_loss(mean(d_losses))
                    _apply_gradients(self.d_optimizer, d_tape, d_scaled, self.discriminator)
                latent, labels = self._noise(batch_size)  # 2. the forger paints again, judged by the updated expert
                paired = self.discriminate(real, real_labels, True) if self.game_loss.relativistic else None
                with tf.GradientTape() as g_tape:
                    fake_scores = self.discriminate(self._generate(latent, labels), labels, True)
                    g_losses = self._generator_loss(fake_scores, paired)
                    g_scaled = self.g_optimizer.scale_loss(mean(g_losses))
                _apply_gradients(self.g_optimizer, g_tape, g_scaled, self.generator)
            else:  # simultaneous: both players learn from the same forgeries
                latent, labels = self._noise(batch_size)
                with tf.GradientTape() as d_tape, tf.GradientTape() as g_tape:
                    fake = self._generate(latent, labels)
                    d_losses, real_logits, fake_logits = self._discriminator_loss(real, real_labels, fake, labels)
                    g_losses = self._generator_loss(fake_logits, real_logits)
                    d_scaled, g_scaled = self.d_optimizer.scale_loss(mean(d_losses)), self.g_optimizer.scale_loss(
                        mean(g_losses))
                _apply_gradients(self.d_optimizer, d_tape, d_scaled, self.discriminator)
                _apply_gradients(self.g_optimizer, g_tape, g_scaled, self.generator)
            _track(self, d_losses, g_losses, real_logits, fake_logits)
        return mean_over_replicas(self.metrics)

    def fit(self, x=None, y=None, **kwargs):
        """Train on real samples: a ``tf.data.Dataset`` of batches or an array of samples.

        The first batch (or the whole array) is checked before training starts (`checks.check_real_data`).
        A dataset's later batches are checked for NaN and inf as the input pipeline delivers them: at the
        first such batch ``fit`` stops with a ValueError that names it (chapter 04), before that batch
        changes any weight.
        """
        checks.check_real_data(x, self.sample_shape, labels=y, num_classes=self.num_classes)
        callbacks = kwargs.pop("callbacks", None)
        if callbacks is not None and not isinstance(callbacks, (list, tuple)):
            raise ValueError(f"callbacks must be a list of keras.callbacks.Callback; got {type(callbacks).__name__}")
        if not isinstance(x, tf.data.Dataset):
            return super().fit(x, y, callbacks=callbacks, **kwargs)
        kwargs.setdefault("shuffle", False)  # a dataset shuffles itself (ganlib.data.make_dataset)
        position = checks.BatchPosition()
        try:
            return super().fit(checks.refuse_non_finite(x), y, callbacks=[*(callbacks or []), position], **kwargs)
        except tf.errors.InvalidArgumentError as error:
            refusal = checks.non_finite_refusal(error, position)
            if refusal is None:
                raise
            raise refusal from None

    def generate(self, num_samples: int, seed: int | None = None, batch_size: int = 1024, labels=None) -> np.ndarray:
        """Draw ``num_samples`` forgeries as a NumPy array (inference mode, in batches of ``batch_size``).

        The same integer ``seed`` gives the same samples, also after saving and reloading. A
        conditional GAN paints the classes in ``labels`` (integers, shape ``(num_samples,)``;
        default ``0, 1, ..., K-1, 0, 1, ...``).
        """
        num_samples = checks.check_positive_int("num_samples", num_samples)
        labels = _labels_to_draw(self, labels, num_samples)
        latent = self.sample_latent(num_samples, seed=seed)
        parts = [keras.ops.convert_to_numpy(self._generate(
            latent[start : start + batch_size],
            None if labels is None else tf.constant(labels[start : start + batch_size]), training=False,
        )) for start in range(0, num_samples, batch_size)]
        return np.concatenate(parts).astype(np.float32)

    # ------------------------------------------------------------------- serialization
    def save_own_variables(self, store):
        """Save the noise generator's state with the weights: a resumed run draws the same noise (chapter 11)."""
        super().save_own_variables(store)
        store[_SEED_STATE_KEY] = keras.ops.convert_to_numpy(self.seed_generator.state)

    def load_own_variables(self, store):
        super().load_own_variables({key: store[key] for key in store.keys() if key != _SEED_STATE_KEY})
        self.seed_generator.state.assign(np.asarray(store[_SEED_STATE_KEY]))

    def get_config(self):
        players = {name: keras.saving.serialize_keras_object(getattr(self, name))
                   for name in ("generator", "discriminator")}
        return {**players, "loss": self.loss_name, "d_steps": self.d_steps, "label_smoothing": self.label_smoothing,
                "gradient_penalty": self.gradient_penalty, "r1_penalty": self.r1_penalty,
                "r2_penalty": self.r2_penalty, "update_order": self.update_order, "pack": self.pack,
                "num_classes": self.num_classes, "seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        players = {name: keras.saving.deserialize_keras_object(config[name]) for name in ("generator", "discriminator")}
        return cls(**{**config, **players})

    def get_compile_config(self):
        if not getattr(self, "compiled", False):
            return None
        return {name: keras.saving.serialize_keras_object(getattr(self, name))
                for name in ("d_optimizer", "g_optimizer")}

    def compile_from_config(self, config):
        # compile creates the optimizers' variables, so their saved state can be loaded into them
        self.compile(**{name: keras.saving.deserialize_keras_object(config[name]) for name in config})


# ------------------------------------------------------------------------- helpers of the step
def _cluster_layer_name(generator, num_classes):
    """The name of the generator's `ClusterFromLatent` layer (then the game is self-conditioned), or None."""
    found = [layer for layer in generator.layers if isinstance(layer, ClusterFromLatent)]
    if not found:
        return None
    if len(found) > 1 or num_classes != found[0].num_clusters:
        raise ValueError(f"a self-conditioned forger needs one ClusterFromLatent layer and num_classes equal to its "
                         f"groups; got {len(found)} such layers with {[layer.num_clusters for layer in found]} "
                         f"groups, num_classes={num_classes}")
    return found[0].name


def _labels_to_paint(gan: GAN, latent, batch_size):
    """A training batch's labels: none (unconditional), the latent's groups (self-conditioned), or drawn at random."""
    if not gan.conditional:
        return None
    if gan.self_conditioned:
        return gan.generator.get_layer(gan.cluster_layer_name)(latent)
    return _for_this_replica(gan.sample_labels, batch_size)


def _labels_to_draw(gan: GAN, labels, num_samples: int):
    """The labels `GAN.generate` paints: the caller's, or 0, 1, ..., K-1, 0, ...; none unless told which to paint."""
    if gan.conditional and not gan.self_conditioned:
        labels = np.arange(num_samples) % gan.num_classes if labels is None else labels
        return checks.check_labels(labels, gan.num_classes, num_samples)
    if labels is not None:
        kind = "is self-conditioned: each latent picks its group" if gan.conditional else "has num_classes=None"
        raise ValueError(f"labels= needs a conditional GAN told which class to paint (num_classes set); it {kind}")
    return None


def _real_batch(data, gan: GAN):
    """(real samples as float32, real labels or None) from what fit() hands to ``train_step``."""
    if gan.conditional and (not isinstance(data, (tuple, list)) or len(data) < 2 or data[1] is None):
        raise ValueError("a conditional GAN trains on (samples, labels) pairs; got samples without labels")
    real = data[0] if isinstance(data, (tuple, list)) else data
    checks.check_batch_shape(real.shape, gan.sample_shape)
    if gan.pack > 1 and real.shape[0] is not None and real.shape[0] % gan.pack:
        raise ValueError(f"with pack={gan.pack} the batch size must be a multiple of it; got {real.shape[0]}")
    labels = tf.cast(tf.reshape(data[1], [-1]), tf.int32) if gan.conditional else None
    return tf.cast(real, tf.float32), labels


def _apply_gradients(optimizer, tape, scaled_loss, model) -> None:
    """Apply the gradients of a loss already scaled with ``optimizer.scale_loss`` (float16, chapter 11)."""
    gradients = tape.gradient(scaled_loss, model.trainable_weights)
    optimizer.apply_gradients(zip(gradients, model.trainable_weights))


def pack_samples(samples, pack: int):
    """(batch, ..., c) -> (batch / pack, ..., pack * c): ``pack`` samples side by side (PacGAN, chapter 06)."""
    if pack == 1:
        return samples
    shape = tf.shape(samples)
    grouped = tf.reshape(samples, tf.concat([[shape[0] // pack, pack], shape[1:]], axis=0))
    rank = len(samples.shape)
    merged = tf.transpose(grouped, [0] + list(range(2, rank)) + [1, rank])  # the group axis next to the channels
    return tf.reshape(merged, tf.concat([[shape[0] // pack], shape[1:-1], [pack * shape[-1]]], axis=0))


def _for_this_replica(draw, batch_size):
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


def mean_over_replicas(metrics) -> dict:
    """The metrics' running means over the global batch, the same value on every replica (chapter 11).

    Inside a replica each ``keras.metrics.Mean`` holds only that replica's share, so with N
    replicas the totals and counts are summed over the replicas first; ``fit()`` then averages N
    equal values. Across several workers (MultiWorkerMirroredStrategy) Keras averages with
    ``strategy.reduce("MEAN", value, axis=0)``, which fails on a scalar, so there each value goes
    out with shape (1,) and comes back from that average as a scalar.
    """
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return {metric.name: metric.result() for metric in metrics}
    # tf.identity reads this replica's value (all_reduce refuses the variables themselves)
    totals = context.all_reduce("SUM", [tf.identity(metric.total) for metric in metrics])
    counts = context.all_reduce("SUM", [tf.identity(metric.count) for metric in metrics])
    shape = [1] if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy) else []
    return {metric.name: tf.reshape(tf.math.divide_no_nan(total, count), shape)
            for metric, total, count in zip(metrics, totals, counts)}


def _scores(gan: GAN, samples, labels, slope_weight):
    """The expert's scores for a batch, with its squared slope at each sample when ``slope_weight`` > 0 (R1/R2)."""
    if not slope_weight:
        return gan.discriminate(samples, labels, training=True), None
    return losses.scores_and_squared_slopes(gan.discriminator, pack_samples(samples, gan.pack), labels)


def _track(gan: GAN, d_losses, g_losses, real_logits, fake_logits):
    """Per-example values into the trackers, so their means are exact over the global batch (chapter 11)."""
    verdicts = [tf.cast(tf.reshape(logits, [-1]), tf.float32) for logits in (real_logits, fake_logits)]
    if gan.game_loss.probability:
        verdicts = [tf.sigmoid(logits) for logits in verdicts]
    for tracker, values in zip(gan.metrics, [d_losses, g_losses, *verdicts]):
        tracker.update_state(values)


def _interpolate_penalty(gan: GAN, real, real_labels, fake):
    """WGAN-GP's per-example penalty on interpolates, one U(0, 1) weight per (packed) example (chapter 06)."""
    real, fake = pack_samples(real, gan.pack), pack_samples(fake, gan.pack)
    mix = _for_this_replica(
        lambda size: keras.random.uniform((size,), seed=gan.seed_generator, dtype=real.dtype), tf.shape(real)[0])
    return losses.interpolate_gradient_penalty(gan.discriminator, real, fake, mix, real_labels)


def _check_options(loss: losses.Loss, label_smoothing, gradient_penalty, update_order, d_steps,
                   r1_penalty=0.0, r2_penalty=0.0) -> None:
    """The game's numeric options against each other and the loss (chapter 06)."""
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1); got {label_smoothing!r}")
    if label_smoothing and not loss.label_smoothing:
        allowed = tuple(name for name, entry in losses.LOSSES.items() if entry.label_smoothing)
        raise ValueError(f"label_smoothing works with the losses {allowed}; got loss={loss.name!r}")
    for name, weight in (("gradient_penalty", gradient_penalty), ("r1_penalty", r1_penalty),
                         ("r2_penalty", r2_penalty)):
        if not weight >= 0:  # also refuses NaN
            raise ValueError(f"{name} must be >= 0; got {weight!r}")
    if update_order not in UPDATE_ORDERS:
        raise ValueError(f"update_order must be one of {UPDATE_ORDERS}; got {update_order!r}")
    if update_order == "simultaneous" and d_steps != 1:
        raise ValueError(f"update_order='simultaneous' needs d_steps=1; got d_steps={d_steps}")


def _with_loss_scaling(optimizer, model):
    """Wrap the optimizer in a LossScaleOptimizer when its player computes in float16 (chapter 11).

    bfloat16 has float32's range and needs no loss scaling; float16 does, or small gradients underflow to zero.
    """
    if model.dtype_policy.compute_dtype == "float16" and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        return keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
