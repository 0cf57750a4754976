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


def _slope_lower_when_changed(penalty_factor):  # as measured: seed 0, 1,000 steps, factor 100 (float32 CPU)
    return 0.703 if penalty_factor == 1 else 0.000357


def _slope(at_recipe, changed):
    return lambda penalty_factor: at_recipe if penalty_factor == 1 else changed


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
    "06.4": [((1, "lower", _slope_lower_when_changed), "the recipe's own weight"),
             ((10, "lower", _slope_lower_when_changed), "should be 0.01 (100 times weaker) or 100"),
             (("stronger", "lower", _slope_lower_when_changed), "should be numbers"),
             ((100, "worse", _slope_lower_when_changed), "the prediction should be one of"),
             ((100, "higher", _slope_lower_when_changed), "you predicted 'higher'"),
             ((100, "about the same", _slope_lower_when_changed), "1/1,969 of the recipe's"),
             ((100, "higher", _slope_lower_when_changed), "bought far less slope"),
             ((0.01, "lower", _slope(0.703, 22.0)), "bought much more slope"),
             ((0.01, "lower", _slope(0.703, 22.0)), "31.3 times the recipe's"),
             ((100, "lower", _slope(0.703, 0.6)), "about the same (the check calls a change of less than 1.5"),
             ((100, "lower", _slope(0.703, 0.6)), "did not follow the price"),
             ((0.01, "higher", _slope(0.703, 0.2)), "still not clearly higher"),
             ((100, "lower", _slope(0.0, 0.0)), "a number above 0"),
             ((100, "lower", _slope(-1.0, 0.5)), "a number above 0")],
}
ANSWERS = {"06.1": "hinge_loss", "06.2": "gradient_penalty", "06.3": "pack"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("06")


def _answer(solved, exercise_id):
    if exercise_id == "06.4":  # the solution's own game already trained and passed when `solved` ran its cells
        return solved["penalty_factor"], solved["prediction"], _slope_lower_when_changed
    return solved[ANSWERS[exercise_id]]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = (..., ..., _slope_lower_when_changed) if exercise_id == "06.4" else None
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)


def test_ring_game_trains_the_modern_recipe_with_both_weights_scaled(solved, monkeypatch):
    """06.4's game, without training: the recipe's gamma times the factor on R1 and R2; the expert's squared slope."""
    import keras

    from ganlib import recipes

    calls = []
    expert = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])  # a straight score: slope (3, 4) everywhere
    expert.layers[0].kernel.assign([[3.0], [4.0]])

    class Game:
        discriminator = expert

    def train_toy(dataset, recipe, **settings):
        calls.append((dataset, recipe, settings))
        return Game(), None

    monkeypatch.setattr(recipes, "train_toy", train_toy)
    gamma = recipes.TOY_RECIPES["relativistic_r1_r2"]
    assert solved["ring_game"](100) == pytest.approx(25.0)
    assert calls == [("ring", "relativistic_r1_r2", {"steps": 1000, "seed": 0, "r1_penalty": 100 * gamma["r1_penalty"],
                                                     "r2_penalty": 100 * gamma["r2_penalty"]})]
