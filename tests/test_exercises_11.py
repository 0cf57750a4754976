"""Exercises of chapter 11: the checks pass the solutions, report empty gaps, and name the usual mistakes."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _noise(start_of=lambda replica_id, batch_size: replica_id * batch_size, own_draw=False, strided=False,
           keep_all=False):
    def noise_for_replica(draw, batch_size, replica_id, num_replicas):
        if own_draw:
            return draw(batch_size)
        everything = draw(batch_size * num_replicas)
        if keep_all:
            return everything
        if strided:
            return everything[replica_id::num_replicas]
        start = start_of(replica_id, batch_size)
        return everything[start : start + batch_size]

    return noise_for_replica


def _reversed_noise(draw, batch_size, replica_id, num_replicas):
    start = (num_replicas - 1 - replica_id) * batch_size
    return draw(batch_size * num_replicas)[start : start + batch_size]


def _step(unscale=lambda gradients, scale: gradients.astype(np.float32) / scale, skip=True, halve=True,
          scale_after_finite=lambda scale: scale, skip_only_bad=False):
    def loss_scale_step(weights, scaled_gradients, loss_scale, learning_rate):
        finite = np.isfinite(scaled_gradients)
        if skip and not finite.all():
            if skip_only_bad:
                gradients = np.where(finite, unscale(scaled_gradients, loss_scale), 0.0)
                return weights - learning_rate * gradients, loss_scale / 2
            return weights, loss_scale / 2 if halve else loss_scale
        return weights - learning_rate * unscale(scaled_gradients, loss_scale), scale_after_finite(loss_scale)

    return loss_scale_step


def _fast_images_per_second(batch_size):
    """A stand-in for the cell's timed game: a fixed cost per step plus arithmetic per image."""
    return batch_size / (1e-3 + 1e-6 * batch_size)


WRONG = {
    "11.1": [(lambda losses, global_batch_size: tf.reduce_mean(losses), "mean over its own slice"),
             (lambda losses, global_batch_size: tf.reduce_sum(losses), "not divided"),
             (lambda losses, global_batch_size: tf.reduce_mean(losses) / global_batch_size, "again"),
             (lambda losses, global_batch_size: tf.reduce_mean(losses) / {16: 2, 10: 3}[global_batch_size],
              "number of replicas"),
             (lambda losses, global_batch_size: tf.reduce_sum(losses, keepdims=True) / global_batch_size * [1, 1],
              "one number per replica")],
    "11.2": [(_noise(own_draw=True), "same noise"), (_noise(start_of=lambda replica_id, batch_size: replica_id),
                                                     "starts at row replica_id"),
             (_noise(strided=True), "consecutive slices"), (_noise(keep_all=True), "whole global batch"),
             (_reversed_noise, "reverse order")],
    "11.3": [(_step(unscale=lambda gradients, scale: gradients.astype(np.float32)), "not unscaled"),
             (_step(unscale=lambda gradients, scale: gradients.astype(np.float32) * scale), "multiplied"),
             (_step(unscale=lambda gradients, scale: gradients / np.float16(scale)), "float16"),
             (_step(unscale=lambda gradients, scale: (gradients / scale).astype(np.float32)), "float16"),
             (_step(skip=False), "not finite"), (_step(skip_only_bad=True), "*whole* step"),
             (_step(halve=False), "halve it"), (_step(scale_after_finite=lambda scale: scale * 2), "stays"),
             (lambda weights, gradients, scale, learning_rate: weights, "return a pair")],
    "11.4": [((256, "more images per second", _fast_images_per_second), "factor of 8"),
             ((8192, "more images per second", _fast_images_per_second), "at most 4096"),
             ((512, "faster", _fast_images_per_second), "one of"),
             ((512, "about the same", _fast_images_per_second), "you predicted 'about the same'"),
             ((8, "more images per second", _fast_images_per_second), "nearly as much time"),
             ((512, "more images per second", lambda batch_size: -1.0), "positive speed")],
}
ANSWERS = {"11.1": "replica_loss", "11.2": "noise_for_replica", "11.3": "loss_scale_step"}
EXPERIMENTS = {"11.4": ("batch_size", "prediction", "images_per_second_at")}  # the setting, prediction and game


@pytest.fixture(scope="module")
def solved():
    return solved_names("11")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    if exercise_id in EXPERIMENTS:  # the learner's setting, prediction and game; the gap leaves the game written out
        answer = tuple(solved[name] for name in EXPERIMENTS[exercise_id])
        gap = (..., ..., _fast_images_per_second)
    else:
        answer, gap = solved[ANSWERS[exercise_id]], None
    assert_check_contract(exercise_id, answer, WRONG[exercise_id], capsys, monkeypatch, gap=gap)


def test_replica_loss_is_what_tf_computes_and_loss_scale_step_is_what_keras_does(solved):
    """The solutions agree with the library pieces chapter 11 relies on (outside any replica context)."""
    losses = tf.constant([1.0, 2.0, 4.0, 8.0])
    expected = tf.nn.compute_average_loss(losses, global_batch_size=10)
    assert np.isclose(float(solved["replica_loss"](losses, 10)), float(expected))

    rng = np.random.default_rng(0)
    weights = rng.normal(size=8).astype(np.float32)
    scaled = (rng.normal(size=8) * 2.0**10).astype(np.float16)
    for gradients in (scaled, np.where(np.arange(8) == 2, np.float16(np.inf), scaled)):
        variable = keras.Variable(weights)
        optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1), initial_scale=2.0**15)
        optimizer.apply([tf.constant(gradients.astype(np.float32))], [variable])
        new_weights, new_scale = solved["loss_scale_step"](weights, gradients, 2.0**15, 0.1)
        assert np.allclose(variable.numpy(), new_weights, rtol=1e-6)
        assert float(optimizer.dynamic_scale.numpy()) == new_scale
