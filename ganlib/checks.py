"""Checks of what a learner hands to ganlib, each a ``ValueError`` that says what was expected and what came.

The players (chapter 03), the real data and its labels (chapters 04 and 08), and the counting
arguments every callback takes. The real samples are checked twice: the first batch before
``fit`` starts (`check_real_data`), then every batch for NaN and inf as the input pipeline
delivers it (`refuse_non_finite`, chapter 04).
"""

from __future__ import annotations

import re

import keras
import numpy as np
import tensorflow as tf

#: What the input pipeline's check of the real samples says when a batch holds NaN or inf (chapter 04).
NON_FINITE_MESSAGE = "ganlib: non-finite real values in a batch, count"


def shape_text(shape) -> str:
    """A shape as the messages write it: ``(batch, 28, 28, 1)``."""
    return "(" + ", ".join("batch" if size is None else str(size) for size in shape) + ")"


def check_positive_int(name: str, value) -> int:
    """``value`` if it is an integer >= 1 (``every=``, ``d_steps=``, ``width=`` ...), else ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")
    return int(value)


def check_num_classes(num_classes) -> int | None:
    """``None`` (an unconditional game) or a class count >= 2 (chapter 08)."""
    if num_classes is not None and (not isinstance(num_classes, (int, np.integer)) or num_classes < 2):
        raise ValueError(f"num_classes must be None or an integer >= 2; got {num_classes!r}")
    return None if num_classes is None else int(num_classes)


def check_labels(labels, num_classes: int | None, num_samples: int | None = None) -> np.ndarray:
    """Integer class labels in ``[0, num_classes)``, shape ``(n,)`` (chapter 08); else ValueError.

    ``num_classes=None`` checks only that they are integers (and, with ``num_samples``, how many).
    """
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers of shape (n,); got dtype {labels.dtype}, shape {labels.shape}")
    if num_samples is not None and len(labels) != num_samples:
        raise ValueError(f"expected {num_samples} labels, one per sample; got {len(labels)}")
    if num_classes is not None and len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}); got {labels.min()}..{labels.max()}")
    return labels.astype(np.int32)


# ------------------------------------------------------------------------------- the players
def _input_shapes(model) -> list:
    shapes = model.input_shape
    return [tuple(shape) for shape in shapes] if isinstance(shapes, list) else [tuple(shapes)]


def _check_inputs(model, player: str, conditional: bool) -> list:
    """The player's input shapes: one input, or [main input, integer labels] when conditional."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"{player} must be a keras.Model; got {type(model).__name__}")
    try:
        shapes = _input_shapes(model)
    except (AttributeError, ValueError) as error:
        raise ValueError(
            f"the {player} must be built with a known input shape, for example with keras.Input(shape=...); it has none"
        ) from error
    first = "latent vectors" if player == "generator" else "samples"
    if len(shapes) != (2 if conditional else 1):
        what = f"[{first}, labels]" if conditional else f"one input, the {first}"
        raise ValueError(f"the {player} must take {what}; got {len(shapes)} inputs {shapes}")
    if conditional and tuple(shapes[1])[1:] not in ((), (1,)):
        raise ValueError(
            f"the {player}'s second input must be integer labels of shape (batch,) "
            f"(keras.Input(shape=(), dtype='int32')); got {shape_text(shapes[1])}"
        )
    return shapes


def latent_dim_of(generator, conditional: bool = False) -> int:
    """The generator's latent size, from its input ``(batch, latent_dim)`` (chapter 02)."""
    input_shape = _check_inputs(generator, "generator", conditional)[0]
    if len(input_shape) != 2 or input_shape[1] is None:
        raise ValueError(
            f"the generator's input must be a flat latent vector of shape (batch, latent_dim); "
            f"got {shape_text(input_shape)}"
        )
    return int(input_shape[1])


def sample_shape_of(generator) -> tuple:
    """The shape of one sample the generator paints, fully known."""
    output_shape = tuple(generator.output_shape)
    if any(size is None for size in output_shape[1:]):
        raise ValueError(f"the generator's output shape must be fully known; got {shape_text(output_shape)}")
    return output_shape[1:]


def packed_shape(sample_shape, pack: int) -> tuple:
    """The shape the expert sees when it judges ``pack`` samples at once (last axis times ``pack``; chapter 06)."""
    return (*sample_shape[:-1], sample_shape[-1] * pack)


def check_discriminator(discriminator, sample_shape, pack: int = 1, conditional: bool = False) -> None:
    """The discriminator takes the generator's samples (``pack`` of them side by side) and returns one score each."""
    input_shape = _check_inputs(discriminator, "discriminator", conditional)[0][1:]
    expected_shape = packed_shape(sample_shape, pack)
    if input_shape != tuple(expected_shape):
        what = "the generator's samples" if pack == 1 else f"{pack} of the generator's samples packed together"
        raise ValueError(
            f"the discriminator must take {what}, shape {shape_text((None, *expected_shape))}; "
            f"its input is {shape_text((None, *input_shape))}"
        )
    output_shape = tuple(discriminator.output_shape)[1:]
    if output_shape not in ((), (1,)):
        raise ValueError(
            f"the discriminator must return one score per example, shape (batch, 1); "
            f"got {shape_text((None, *output_shape))}"
        )


# ---------------------------------------------------------------------------- the real data
def check_batch_shape(batch_shape, sample_shape) -> None:
    """A batch of real samples has the generator's sample shape (unknown sizes pass)."""
    got = tuple(batch_shape)[1:]
    if len(got) != len(sample_shape) or any(
        size is not None and size != expected for size, expected in zip(got, sample_shape)
    ):
        raise ValueError(
            f"real samples must have the generator's output shape {shape_text((None, *sample_shape))}; "
            f"got {shape_text((None, *got))}"
        )


def _first_batch(data, labels):
    """(first batch as an array, its labels or None, how a message names it) of a dataset or array."""
    if isinstance(data, tf.data.Dataset):
        first = next(iter(data.take(1)), None)
        if first is None:
            raise ValueError("the dataset of real samples is empty: expected at least one batch, got none")
        if isinstance(first, (tuple, list)):
            first, labels = first[0], (first[1] if len(first) > 1 else None)
        return first.numpy(), (None if labels is None else np.asarray(labels)), "the first batch"
    if data is None:
        raise ValueError("fit needs real samples: a tf.data.Dataset or an array; got None")
    if isinstance(data, (tuple, list)):
        data, labels = data[0], (data[1] if len(data) > 1 else labels)
    return np.asarray(data), labels, "the array of real samples"


def check_real_data(data, sample_shape, labels=None, num_classes: int | None = None) -> None:
    """Check the first batch of real data before training on it (chapter 04).

    Shape against the forger's samples, a float dtype, at least one sample, no NaN or inf, and for images
    (samples of shape (height, width, channels)) values in [-1, 1], the range of the forger's tanh.
    For a conditional GAN (``num_classes`` set) the data are (samples, labels) and the labels
    are checked too.
    """
    batch, labels, where = _first_batch(data, labels)
    if num_classes is not None:
        if labels is None:
            raise ValueError(
                "a conditional GAN trains on (samples, labels): pass fit(images, labels) or a dataset of "
                "(images, labels) pairs; got samples without labels"
            )
        check_labels(labels, num_classes, len(batch) if batch.ndim else None)
    if batch.ndim == 0 or batch.shape[0] == 0:
        raise ValueError(f"the real samples are empty: expected at least one sample, got shape {batch.shape}")
    check_batch_shape(batch.shape, sample_shape)
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


def refuse_non_finite(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """The dataset, with each batch's real samples checked for NaN and inf as it is delivered (chapter 04).

    The samples are the element itself or, for ``(samples, labels)`` pairs, its first part. A
    batch with any non-finite value fails with a ``tf.errors.InvalidArgumentError`` whose message
    holds the count; `non_finite_refusal` turns it into a ValueError that names the batch. The
    check runs in the input pipeline, so the training step (and XLA's compilation of it) stays as it is.
    """

    def check(*element):
        count = tf.reduce_sum(tf.cast(tf.logical_not(tf.math.is_finite(element[0])), tf.int64))
        with tf.control_dependencies([tf.debugging.Assert(tf.equal(count, 0), [NON_FINITE_MESSAGE, count])]):
            checked = tuple(tf.identity(part) for part in element)
        return checked if len(checked) > 1 else checked[0]

    return dataset.map(check)


class BatchPosition(keras.callbacks.Callback):
    """Where ``fit`` is: the epoch, and the batch whose step comes next (for `non_finite_refusal`).

    With ``steps_per_execution`` > 1 one call runs several steps and the callbacks hear of the
    first only; the generator's optimizer, which counts the steps taken, tells how many of them ran.
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


def non_finite_refusal(error: tf.errors.InvalidArgumentError, position: BatchPosition) -> ValueError | None:
    """The ValueError for a batch that `refuse_non_finite` stopped, or None if ``error`` is another failure."""
    count = re.search(re.escape(NON_FINITE_MESSAGE) + r"\]\s*\[(\d+)\]", error.message or "")
    if count is None:
        return None
    return ValueError(
        f"real samples must be finite numbers: {position.describe()} has {count.group(1)} non-finite "
        "values (NaN or inf). Training stopped before that batch changed any weight; find where the "
        "data pipeline makes them (a division by zero, a log of 0, a corrupt file)."
    )
