"""Layers the course's builders need beyond Keras' own (chapter 11: speed on a CPU; clean logs).

`FusedBatchNormalization` is `keras.layers.BatchNormalization` with the same weights, settings
and results, whose training step runs TensorFlow's fused kernel, one operation, instead of
Keras 3's dozen small ones: on a CPU, batch normalization is a large share of the DCGAN forger's
step, and the fused kernel makes the game train faster (how much: ``benchmarks/throughput.py``
and the README, "Speed and quality"). Explained in chapter 11.

`LeakyReLU` is `keras.layers.LeakyReLU` computed as ``maximum(x, slope * x)``: the same numbers,
without the error line TensorFlow's graph optimizer prints when it tries to fuse a convolution,
its bias and a LeakyReLU whose gradient still needs the bias's output (chapter 04's expert).

`ClusterFromLatent` picks, from a latent vector's first number, the group of real digits a
self-conditioned forger paints (chapter 04): the forger still takes latent vectors only.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf


@keras.saving.register_keras_serializable(package="ganlib")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """Batch normalization over the last axis whose training step uses ``tf.nn.fused_batch_norm``.

    The same computation as `keras.layers.BatchNormalization` (statistics over every axis but
    the last, the biased batch variance to normalize and to update the moving variance, the same
    momentum and epsilon), so a model built with it computes what the Keras layer computes, to
    float rounding. It differs in speed only. Inputs of rank 2 ``(batch, features)`` or 4
    ``(batch, height, width, channels)``; ``axis=-1`` only; no renormalization, no mask, no
    synchronization across replicas (use the Keras layer with ``synchronized=True`` for that,
    as the builders do). Used by the DCGAN forgers of `ganlib.models` (chapters 04, 08, 11).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for option, got, expected in (("axis", self.axis, -1), ("synchronized", self.synchronized, False),
                                      ("renorm", self.renorm, False), ("center", self.center, True),
                                      ("scale", self.scale, True)):
            if got != expected:
                raise ValueError(f"FusedBatchNormalization supports {option}={expected!r} only; got {got!r}")

    def build(self, input_shape):
        if len(input_shape) not in (2, 4):
            raise ValueError(
                f"FusedBatchNormalization expects inputs of rank 2 or 4; got shape {tuple(input_shape)}"
            )
        super().build(input_shape)

    def call(self, inputs, training=None, mask=None):
        if mask is not None or not (training and self.trainable):
            return super().call(inputs, training=training, mask=mask)
        rank = len(inputs.shape)
        images = inputs if rank == 4 else tf.reshape(inputs, (-1, 1, 1, inputs.shape[-1]))
        # bfloat16 inputs go in as they are: the kernel keeps its statistics in float32
        if images.dtype not in (tf.float32, tf.bfloat16):
            images = tf.cast(images, tf.float32)
        outputs, mean, unbiased_variance = tf.compat.v1.nn.fused_batch_norm(
            images, tf.cast(self.gamma, tf.float32), tf.cast(self.beta, tf.float32),
            epsilon=self.epsilon, data_format="NHWC", is_training=True,
        )[:3]
        # the kernel returns the batch variance with Bessel's correction; Keras keeps the biased one
        count = tf.cast(tf.size(images) // tf.shape(images)[-1], tf.float32)
        variance = unbiased_variance * (count - 1.0) / tf.maximum(count, 1.0)
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        if rank == 2:
            outputs = tf.reshape(outputs, tf.shape(inputs))
        return tf.cast(outputs, self.compute_dtype)


@keras.saving.register_keras_serializable(package="ganlib")
class LeakyReLU(keras.layers.LeakyReLU):
    """``keras.layers.LeakyReLU`` computed as ``maximum(x, negative_slope * x)`` (chapters 01, 04 and 10).

    For a slope in [0, 1] that is the same function, value for value, and the same gradient away
    from 0. TensorFlow's graph optimizer (its "remapper") tries to fuse a convolution, its bias
    and the ``LeakyRelu`` operation into one kernel, fails in a training step because the
    gradient still needs the bias's output, and writes an ``E``-level "remapper failed" line to
    the notebook each time a step is traced; without the ``LeakyRelu`` operation it has nothing
    to fuse. The DCGAN experts of `ganlib.models` use it.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if not 0.0 <= negative_slope <= 1.0:
            raise ValueError(f"negative_slope must be in [0, 1] for maximum(x, slope * x); got {negative_slope!r}")
        super().__init__(negative_slope=negative_slope, **kwargs)

    def call(self, inputs):
        return keras.ops.maximum(inputs, self.negative_slope * inputs)


@keras.saving.register_keras_serializable(package="ganlib")
class ClusterFromLatent(keras.layers.Layer):
    """The group a latent vector picks, for a self-conditioned forger (chapter 04).

    With ``u = Phi(z_0)``, the standard normal distribution function at the latent vector's first
    number (uniform on [0, 1] when ``z_0`` is standard normal), the group is the slice of [0, 1]
    that ``u`` falls in, the slices as wide as ``cluster_shares`` (the groups' shares of the real
    data, in order): a forger fed standard-normal latents paints each group as often as the real
    data holds it. Input ``(batch, latent_dim)``; output ``(batch,)`` int32 groups in
    ``[0, len(cluster_shares))``. Computes in float32 under any dtype policy, so a bfloat16 forger
    and its float32 export pick the same group.
    """

    def __init__(self, cluster_shares, **kwargs):
        super().__init__(**{**kwargs, "dtype": "float32"})
        try:
            shares = np.asarray(cluster_shares, dtype=np.float64)
        except (TypeError, ValueError):
            shares = np.array([np.nan])
        if (shares.ndim != 1 or len(shares) < 2 or not np.all(np.isfinite(shares)) or not np.all(shares > 0)
                or abs(shares.sum() - 1.0) > 1e-6):
            raise ValueError(f"cluster_shares must be at least 2 positive numbers summing to 1; got {cluster_shares!r}")
        self.cluster_shares = [float(share) for share in shares]
        self.num_clusters = len(shares)
        self.edges = np.cumsum(shares)[:-1].astype(np.float32)  # where one group's slice ends and the next begins

    def call(self, latent):
        first = keras.ops.cast(latent[:, 0], "float32")
        uniform = 0.5 * (1.0 + keras.ops.erf(first / np.float32(math.sqrt(2.0))))
        return keras.ops.cast(keras.ops.digitize(uniform, self.edges), "int32")

    def compute_output_spec(self, latent):
        return keras.KerasTensor((latent.shape[0],), dtype="int32")

    def get_config(self):
        return {**super().get_config(), "cluster_shares": self.cluster_shares}
