"""The losses of the game, one value per example, and the gradient penalty.

Every loss here returns a vector with one loss per example (shape ``(batch,)``), never a
mean. `ganlib.GAN` averages them over the *global* batch with ``tf.nn.compute_average_loss``,
which stays right under ``tf.distribute``: each replica divides by the global batch size, and
the optimizer sums the replicas' gradients. A hand-written ``reduce_mean`` would divide by the
per-replica batch and make the step N times too large on N replicas (chapter 11).

The discriminator (the expert) returns a raw score, a *logit*; under the probability losses
``sigmoid(logit)`` is its probability that the input is real (chapter 01).

`LOSSES` is the one registry: each entry knows both players' losses and how to read the
expert's scores. Adding a loss is one `Loss` entry plus its tests (CONTRIBUTING.md).
Explained in chapter 03 (minimax and non-saturating) and chapter 06 (the others, and the
penalties on the expert's slope: WGAN-GP's on interpolates, R1 on real and R2 on forged samples).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import tensorflow as tf


@dataclasses.dataclass(frozen=True)
class Loss:
    """One loss of the game: what each player minimizes, and how to read the expert's score.

    Attributes:
        name: the name ``ganlib.GAN(loss=...)`` takes.
        discriminator: ``(real_scores, fake_scores, label_smoothing) -> per-example loss`` of the expert.
        generator: ``(real_scores, fake_scores) -> per-example loss`` of the forger; only the
            relativistic losses read ``real_scores`` (the others take ``None`` there).
        probability: whether the score is the logit of a probability, so ``sigmoid(score)`` is
            D(x), the expert's belief that x is real (then `GAN` reports ``d_real``/``d_fake``;
            otherwise the mean raw scores ``score_real``/``score_fake``).
        decision_threshold: the score above which the expert calls a sample real, or ``None``
            where the scores have no such threshold (the Wasserstein critic's are only compared).
        label_smoothing: whether one-sided label smoothing applies (chapter 06).
        relativistic: whether each loss compares a real sample's score with a forgery's, pair by
            pair (real example ``i`` with forged example ``i``), so the forger's step needs the
            scores of a real batch too.
    """

    name: str
    discriminator: Callable[[tf.Tensor, tf.Tensor, float], tf.Tensor]
    generator: Callable[[tf.Tensor | None, tf.Tensor], tf.Tensor]
    probability: bool
    decision_threshold: float | None
    label_smoothing: bool
    relativistic: bool = False


def _cross_entropy_expert(real: tf.Tensor, fake: tf.Tensor, label_smoothing: float) -> tf.Tensor:
    """Binary cross-entropy with logits, real target ``1 - label_smoothing`` (one-sided, Salimans et al. 2016)."""
    real_target = 1.0 - label_smoothing
    # -t*log(sigmoid(x)) - (1-t)*log(1-sigmoid(x)), with log(sigmoid(x)) = -softplus(-x)
    real_loss = real_target * tf.nn.softplus(-real) + (1.0 - real_target) * tf.nn.softplus(real)
    return real_loss + tf.nn.softplus(fake)


def _minimax_forger(real: tf.Tensor | None, fake: tf.Tensor) -> tf.Tensor:
    """``log(1 - D(G(z))) = -softplus(x)``: the original game's loss, which saturates (chapter 05)."""
    return -tf.nn.softplus(fake)


def _non_saturating_forger(real: tf.Tensor | None, fake: tf.Tensor) -> tf.Tensor:
    """``-log D(G(z)) = softplus(-x)``: Goodfellow et al.'s (2014) fix in the same paper (chapter 03)."""
    return tf.nn.softplus(-fake)


def _wasserstein_expert(real: tf.Tensor, fake: tf.Tensor, label_smoothing: float) -> tf.Tensor:
    """The critic raises real scores and lowers fake ones (Arjovsky et al. 2017)."""
    return fake - real


def _hinge_expert(real: tf.Tensor, fake: tf.Tensor, label_smoothing: float) -> tf.Tensor:
    """The expert stops pushing once real scores pass +1 and fake ones fall below -1."""
    return tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)


def _raise_score_forger(real: tf.Tensor | None, fake: tf.Tensor) -> tf.Tensor:
    """The forger raises its fakes' scores (Wasserstein and hinge)."""
    return -fake


def _least_squares_expert(real: tf.Tensor, fake: tf.Tensor, label_smoothing: float) -> tf.Tensor:
    """Squared distance to the targets 1 for real and 0 for fake (Mao et al. 2017)."""
    return 0.5 * tf.square(real - 1.0) + 0.5 * tf.square(fake)


def _least_squares_forger(real: tf.Tensor | None, fake: tf.Tensor) -> tf.Tensor:
    return 0.5 * tf.square(fake - 1.0)


def _relativistic_expert(real: tf.Tensor, fake: tf.Tensor, label_smoothing: float) -> tf.Tensor:
    """``-log sigmoid(D(x) - D(G(z)))``: the expert rates each real sample above its paired forgery.

    The relativistic pairing loss (RpGAN; Jolicoeur-Martineau 2019, Huang et al. 2024).
    """
    return tf.nn.softplus(fake - real)


def _relativistic_forger(real: tf.Tensor, fake: tf.Tensor) -> tf.Tensor:
    """``-log sigmoid(D(G(z)) - D(x))``: the forger rates each forgery above its paired real sample."""
    return tf.nn.softplus(real - fake)


#: Every loss ``ganlib.GAN(loss=...)`` accepts, by name.
LOSSES = {
    loss.name: loss
    for loss in (
        # name, expert's loss, forger's loss, probability, decision threshold, label smoothing
        Loss("minimax", _cross_entropy_expert, _minimax_forger, True, 0.0, True),
        Loss("non_saturating", _cross_entropy_expert, _non_saturating_forger, True, 0.0, True),
        Loss("wasserstein", _wasserstein_expert, _raise_score_forger, False, None, False),
        Loss("hinge", _hinge_expert, _raise_score_forger, False, 0.0, False),
        Loss("least_squares", _least_squares_expert, _least_squares_forger, False, 0.5, False),
        Loss("relativistic", _relativistic_expert, _relativistic_forger, False, None, False, relativistic=True),
    )
}


def get(name: str) -> Loss:
    """The registry's entry for ``name``; ``ValueError`` listing the known names for any other."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    return LOSSES[name]


def _flat(scores: tf.Tensor) -> tf.Tensor:
    """Scores of shape (batch,) or (batch, 1) as a float32 vector of shape (batch,)."""
    scores = tf.cast(scores, tf.float32)
    return tf.reshape(scores, [tf.shape(scores)[0]])


def discriminator_loss(
    name: str, real_logits: tf.Tensor, fake_logits: tf.Tensor, label_smoothing: float = 0.0
) -> tf.Tensor:
    """Per-example loss of the expert, which wants real scored high and fakes low.

    ``label_smoothing`` (one-sided: real targets become ``1 - label_smoothing``, fakes stay 0)
    applies only to the losses whose entry allows it; elsewhere it is a ``ValueError``.
    """
    loss = get(name)
    if label_smoothing and not loss.label_smoothing:
        allowed = tuple(entry.name for entry in LOSSES.values() if entry.label_smoothing)
        raise ValueError(f"label_smoothing applies to the losses {allowed}; got {label_smoothing} with {name!r}")
    real_logits, fake_logits = _flat(real_logits), _flat(fake_logits)
    if loss.relativistic:
        _check_pairs(real_logits, fake_logits, name)
    return loss.discriminator(real_logits, fake_logits, label_smoothing)


def generator_loss(name: str, fake_logits: tf.Tensor, real_logits: tf.Tensor | None = None) -> tf.Tensor:
    """Per-example loss of the forger, which wants its fakes scored as real.

    The relativistic loss compares each forgery with a real sample, so it needs ``real_logits``
    (as many as ``fake_logits``); the other losses ignore them.
    """
    loss = get(name)
    if not loss.relativistic:
        return loss.generator(None, _flat(fake_logits))
    if real_logits is None:
        raise ValueError(f"the {name!r} loss pairs each forgery with a real sample: pass real_logits; got None")
    real_logits, fake_logits = _flat(real_logits), _flat(fake_logits)
    _check_pairs(real_logits, fake_logits, name)
    return loss.generator(real_logits, fake_logits)


def _check_pairs(real_logits: tf.Tensor, fake_logits: tf.Tensor, name: str) -> None:
    """A relativistic loss needs one real score per forged score; a ValueError for unequal static sizes."""
    real_size, fake_size = real_logits.shape[0], fake_logits.shape[0]
    if real_size is not None and fake_size is not None and real_size != fake_size:
        raise ValueError(f"the {name!r} loss pairs real and forged scores one to one: expected as many real scores "
                         f"as forged ones; got {real_size} real and {fake_size} forged")


def interpolate_gradient_penalty(discriminator, real, fake, mix, labels=None) -> tf.Tensor:
    """Per-example ``(||grad D(x_hat)|| - 1)^2`` on ``x_hat = mix * real + (1 - mix) * fake`` (WGAN-GP, chapter 06).

    ``mix`` holds one weight per example, drawn from U(0, 1) by the caller. A conditional expert
    judges the interpolates with the real samples' ``labels``. The small epsilon under the square
    root keeps the norm's own gradient finite where the expert's gradient is exactly zero.
    """
    batch_size = tf.shape(real)[0]
    mix = tf.reshape(mix, tf.concat([[batch_size], tf.ones([tf.rank(real) - 1], tf.int32)], axis=0))
    interpolates = mix * real + (1.0 - mix) * tf.cast(fake, real.dtype)
    with tf.GradientTape() as tape:
        tape.watch(interpolates)
        scores = discriminator(interpolates if labels is None else [interpolates, labels], training=True)
    gradients = tf.reshape(tape.gradient(scores, interpolates), [batch_size, -1])
    norm = tf.sqrt(tf.reduce_sum(tf.square(tf.cast(gradients, tf.float32)), axis=1) + 1e-12)
    return tf.square(norm - 1.0)


def scores_and_squared_slopes(discriminator, samples, labels=None) -> tuple[tf.Tensor, tf.Tensor]:
    """The expert's scores for ``samples`` and, per example, ``||grad_x D(x)||^2`` at each sample.

    Half of it, times a weight gamma, is the zero-centred penalty of the modern recipe
    (chapter 06): R1 on real samples (Mescheder et al. 2018), R2 on forgeries. It flattens the
    expert's score around the data, so the expert cannot answer a forger that is almost right
    with a steep, overconfident slope. A conditional expert judges with ``labels``. No square
    root is taken, so the penalty's gradient is finite everywhere.
    """
    samples = tf.convert_to_tensor(samples)
    with tf.GradientTape() as tape:
        tape.watch(samples)
        scores = discriminator(samples if labels is None else [samples, labels], training=True)
    gradients = tf.cast(tape.gradient(scores, samples), tf.float32)
    return scores, tf.reduce_sum(tf.reshape(tf.square(gradients), [tf.shape(samples)[0], -1]), axis=1)
