"""Chapter 06's exercises: the solutions pass, an empty gap is "not done yet", and the usual mistakes are named."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _relu(x):
    return np.maximum(x, 0.0)


def _flat(gradients):
    return tf.reshape(gradients, [tf.shape(gradients)[0], -1])


def _norms(gradients):
    return tf.sqrt(tf.reduce_sum(tf.square(_flat(gradients)), axis=1) + 1e-12)


def _numpy_penalty(gradients):
    gradients = np.asarray(gradients)
    flat = gradients.reshape(len(gradients), -1)
    return (np.sqrt(np.sum(flat**2, axis=1) + 1e-12) - 1.0) ** 2


def _pack_strided(samples, k):
    batch, *middle, channels = samples.shape
    grouped = np.moveaxis(samples.reshape(k, batch // k, *middle, channels), 0, -2)
    return grouped.reshape(batch // k, *middle, k * channels)


def _pack_interleaved(samples, k):
    batch, *middle, channels = samples.shape
    grouped = np.moveaxis(samples.reshape(batch // k, k, *middle, channels), 1, -1)
    return grouped.reshape(batch // k, *middle, k * channels)


def _ring_game_lower_when_decayed(learning_rate_decay):
    return 0.6 if learning_rate_decay == "constant" else 0.1


WRONG = {
    "06.1": [(lambda real, fake: (1 - real) + (1 + fake), "max(0, ...) is missing"),
             (lambda real, fake: _relu(2 - real + fake), "each term separately"),
             (lambda real, fake: _relu(1 + real) + _relu(1 - fake), "sides are swapped"),
             (lambda real, fake: fake - real, "Wasserstein"),
             (lambda real, fake: _relu(-real) + _relu(fake), "margin is 1"),
             (lambda real, fake: np.mean(_relu(1 - real) + _relu(1 + fake)), "single number")],
    "06.2": [(lambda g: tf.square(tf.reduce_sum(tf.square(_flat(g)), axis=1) - 1.0), "squared norm"),
             (lambda g: tf.fill([tf.shape(g)[0]], tf.square(tf.norm(g) - 1.0)), "whole batch"),
             (lambda g: tf.square(tf.nn.relu(_norms(g) - 1.0)), "two-sided"),
             (lambda g: tf.abs(_norms(g) - 1.0), "not squared"),
             (lambda g: _norms(g) - 1.0, "not squared"),
             (lambda g: tf.reduce_mean(tf.square(_norms(g) - 1.0)), "single number"),
             (lambda g: tf.square(tf.norm(tf.reshape(g, [tf.shape(g)[0], -1]), axis=1) - 1.0), "1e-12"),
             (lambda g: tf.square(tf.norm(g, axis=-1) - 1.0), "flatten"),
             (_numpy_penalty, "not a TensorFlow tensor"),
             (lambda g: tf.constant(_numpy_penalty(g), tf.float32), "no slope")],
    "06.3": [(_pack_strided, "strided"),
             (lambda samples, k: samples.reshape(len(samples) // k, *samples.shape[1:-1], -1), "plain reshape"),
             (_pack_interleaved, "interleaved")],
    "06.4": [(("constant", "lower", _ring_game_lower_when_decayed), "plain game's own schedule"),
             (("exponential", "lower", _ring_game_lower_when_decayed), "should be one of"),
             (("cosine", "better", _ring_game_lower_when_decayed), "the prediction should be one of"),
             (("cosine", "higher", _ring_game_lower_when_decayed), "you predicted 'higher'"),
             (("linear", "about the same", _ring_game_lower_when_decayed), "stops chasing"),
             (("cosine", "lower", lambda learning_rate_decay: 0.6), "made no clear difference"),
             (("cosine", "lower", lambda learning_rate_decay: 0.0), "above 0 for the plain game")],
}
ANSWERS = {"06.1": "hinge_loss", "06.2": "gradient_penalty", "06.3": "pack"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("06")


def _answer(solved, exercise_id):
    if exercise_id == "06.4":  # an experiment: the learner's setting, prediction and game
        return solved["learning_rate_decay"], solved["prediction"], solved["ring_game"]
    return solved[ANSWERS[exercise_id]]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = (..., ..., _ring_game_lower_when_decayed) if exercise_id == "06.4" else None
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)
