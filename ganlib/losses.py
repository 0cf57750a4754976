"""The losses of the game, one value per example.

Every function here returns a vector with one loss per example (shape ``(batch,)``),
never a mean. `ganlib.GAN` averages them over the *global* batch with
``tf.nn.compute_average_loss``, which stays right under ``tf.distribute``: each replica
divides by the global batch size, and the optimizer sums the replicas' gradients. A
hand-written ``reduce_mean`` would divide by the per-replica batch and make the step
N times too large on N replicas (chapter 11).

The discriminator (the expert) returns a raw score, a *logit*; ``sigmoid(logit)`` is its
probability that the input is real (chapter 01).

Explained in chapter 03 (minimax and non-saturating) and chapter 06 (the others).
"""

from __future__ import annotations

import tensorflow as tf

#: Loss names accepted by ``ganlib.GAN(loss=...)``.
LOSSES = ("minimax", "non_saturating", "wasserstein", "hinge", "least_squares")

#: Losses whose expert output is a logit of a probability (so D(x) = sigmoid(logit) means something).
PROBABILITY_LOSSES = ("minimax", "non_saturating")


def check_loss_name(name: str) -> str:
    """Return ``name`` if it is a known loss, else raise ``ValueError`` listing the known ones."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}; got {name!r}")
    return name


def _flat(logits: tf.Tensor) -> tf.Tensor:
    """Scores of shape (batch,) or (batch, 1) as a float32 vector of shape (batch,)."""
    logits = tf.cast(logits, tf.float32)
    return tf.reshape(logits, [tf.shape(logits)[0]])


def discriminator_loss(
    name: str, real_logits: tf.Tensor, fake_logits: tf.Tensor, label_smoothing: float = 0.0
) -> tf.Tensor:
    """Per-example loss of the expert, which wants real scored high and fakes low.

    ``label_smoothing`` is one-sided: the target for real examples becomes
    ``1 - label_smoothing`` and the target for fakes stays 0 (Salimans et al. 2016). It only
    applies to the probability losses.
    """
    check_loss_name(name)
    real, fake = _flat(real_logits), _flat(fake_logits)
    if name in PROBABILITY_LOSSES:
        real_target = 1.0 - label_smoothing
        # binary cross-entropy with logits: -t*log(sigmoid(x)) - (1-t)*log(1-sigmoid(x))
        real_loss = real_target * tf.nn.softplus(-real) + (1.0 - real_target) * tf.nn.softplus(real)
        return real_loss + tf.nn.softplus(fake)
    if label_smoothing:
        raise ValueError(
            f"label_smoothing applies to the losses {PROBABILITY_LOSSES}; got {label_smoothing} with {name!r}"
        )
    if name == "wasserstein":
        return fake - real
    if name == "hinge":
        return tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)
    # least squares (Mao et al. 2017), targets 1 for real and 0 for fake
    return 0.5 * tf.square(real - 1.0) + 0.5 * tf.square(fake)


def generator_loss(name: str, fake_logits: tf.Tensor) -> tf.Tensor:
    """Per-example loss of the forger, which wants its fakes scored as real.

    ``minimax`` is the loss of the original game, ``log(1 - D(G(z)))``, which saturates when
    the expert rejects the fakes confidently (chapter 05). ``non_saturating`` is
    ``-log D(G(z))``, the fix that Goodfellow et al. (2014) proposed in the same paper.
    """
    check_loss_name(name)
    fake = _flat(fake_logits)
    if name == "minimax":
        return -tf.nn.softplus(fake)  # log(1 - sigmoid(x)) = -softplus(x)
    if name == "non_saturating":
        return tf.nn.softplus(-fake)  # -log(sigmoid(x)) = softplus(-x)
    if name in ("wasserstein", "hinge"):
        return -fake
    return 0.5 * tf.square(fake - 1.0)
