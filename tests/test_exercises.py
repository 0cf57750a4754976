"""ganlib.exercises: every check passes the solution, reports an empty gap, and names the usual mistakes."""

import importlib
import pathlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import SOLUTIONS, assert_check_contract, solved_names

from ganlib import data, exercises

HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def solved():
    return solved_names()


def _softplus(x):
    return np.logaddexp(0.0, x)


@np.errstate(all="ignore")
def _naive_bce(logits, targets):
    probability = 1 / (1 + np.exp(-logits))
    return -(targets * np.log(probability) + (1 - targets) * np.log(1 - probability))


def _sum_step(generator, discriminator, optimizer, latent):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.nn.softplus(-discriminator(generator(latent, training=True), training=False)))
    optimizer.apply_gradients(zip(tape.gradient(loss, generator.trainable_weights), generator.trainable_weights))
    return loss


def _both_step(generator, discriminator, optimizer, latent):
    weights = generator.trainable_weights + discriminator.trainable_weights
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.nn.softplus(-discriminator(generator(latent, training=True), training=False)))
    optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
    return loss


def _minimax_step(generator, discriminator, optimizer, latent):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(-tf.nn.softplus(discriminator(generator(latent, training=True), training=False)))
    optimizer.apply_gradients(zip(tape.gradient(loss, generator.trainable_weights), generator.trainable_weights))
    return loss


def _forger_without_tanh(latent_dim):
    return keras.Sequential([keras.Input(shape=(latent_dim,)), keras.layers.Dense(7 * 7 * 8),
                             keras.layers.Reshape((7, 7, 8)),
                             keras.layers.Conv2DTranspose(1, 4, strides=4, padding="same")])


def _forger_14(latent_dim):
    return keras.Sequential([keras.Input(shape=(latent_dim,)), keras.layers.Dense(7 * 7 * 8),
                             keras.layers.Reshape((7, 7, 8)),
                             keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")])


def _expert_with(*middle, last=None):
    return lambda: keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(8, 4, strides=2), *middle,
                                     keras.layers.Flatten(), last or keras.layers.Dense(1)])


def _radii_precision(offset):
    def precision(real, fake, k):
        real_to_real = np.linalg.norm(real[:, None] - real[None], axis=-1)
        radii = np.sort(real_to_real, axis=1)[:, k + offset]
        return float(np.mean((np.linalg.norm(fake[:, None] - real[None], axis=-1) <= radii).any(axis=1)))
    return precision


def _frechet_sqrt_elementwise(a, b):
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(np.sum((a.mean(0) - b.mean(0)) ** 2) + np.trace(cov_a + cov_b - 2 * np.sqrt(np.abs(cov_a * cov_b))))


def _ring_mode_counter(radius_in_stds):
    def count_modes(points, centres, std):
        distances = np.linalg.norm(points[:, None] - centres[None], axis=-1)
        close = distances.min(axis=1) < radius_in_stds * std
        return len(np.unique(distances.argmin(axis=1)[close]))
    return count_modes


# one or more wrong answers per exercise, each with a phrase its message must contain
WRONG = {
    "00.1": [(_ring_mode_counter(1), "within 3 standard deviations"), (_ring_mode_counter(5), "farther than 3")],
    "00.2": [(lambda x: data.mixture_1d_density(x) * 2, "weight 1/2"),
             (lambda x: 0.5 * np.exp(-2 * (x + 2) ** 2) + 0.5 * np.exp(-2 * (x - 2) ** 2), "sqrt(2 pi)")],
    "00.3": [(lambda images: (images + 1) * 127.5, "uint8"),
             (lambda images: (images * 255).astype(np.uint8), "-1 should become 0")],
    "01.1": [(_naive_bce, "infinite or NaN"), (lambda x, t: np.mean(_softplus(x) - t * x), "single number"),
             (lambda x, t: _softplus(x) - (1 - t) * x, "targets swapped")],
    "01.2": [(lambda x: 1 - data.mixture_1d_density(x) / (data.mixture_1d_density(x) + np.exp(-2 * x**2) / (
        0.5 * np.sqrt(2 * np.pi))), "probability that x is *fake*")],
    "01.3": [(lambda logits, targets: np.mean((logits > 0.5) == (targets == 1)), "threshold logits at 0")],
    "02.1": [(keras.random.uniform((1000, 16), -1.7, 1.7, seed=1), "uniform"),
             (keras.random.normal((16, 1000), seed=1), "shape (1000, 16)"),
             (keras.random.normal((1000, 16), stddev=2.0, seed=1), "standard deviation")],
    "02.2": [(lambda start, end, n: start + np.linspace(0, 1, n, endpoint=False)[:, None] * (end - start),
              "does not match"),
             (lambda start, end, n: start + np.linspace(0, 1, n - 1)[:, None] * (end - start), "include both ends"),
             (lambda start, end, n: end + np.linspace(0, 1, n)[:, None] * (start - end), "backwards")],
    "02.3": [(lambda logits: -_softplus(logits), "saturates"), (lambda logits: _softplus(logits), "raise"),
             (np.errstate(all="ignore")(lambda logits: -np.log(1 / (1 + np.exp(-logits)))), "infinite or NaN")],
    "03.1": [(lambda real, fake: _softplus(real) + _softplus(-fake), "labels are swapped"),
             (lambda real, fake: (_softplus(-real) + _softplus(fake)) / 2, "half the pair loss"),
             (lambda real, fake: _softplus(-real), "only the real term")],
    "03.2": [(np.log(2), "log 2"), (0.5, "every logit is 0")],
    "03.3": [(_sum_step, "64 times too large"), (_both_step, "expert's weights changed"),
             (_minimax_step, "saturating"), (lambda g, d, optimizer, latent: 0.0, "did not move")],
    "04.1": [(_forger_without_tanh, "tanh"), (_forger_14, "doubles the size")],
    "04.2": [(lambda average, weights, momentum: momentum * weights + (1 - momentum) * average, "swapped")],
    "04.3": [(_expert_with(keras.layers.BatchNormalization()), "batch normalization"),
             (_expert_with(last=keras.layers.Dense(1, activation="sigmoid")), "raw logit"),
             (lambda: keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                                        keras.layers.Dense(1)]), "strided convolutions")],
    "07.1": [(lambda a, b: float(np.sum((a.mean(0) - b.mean(0)) ** 2)), "mean term only"),
             (_frechet_sqrt_elementwise, "matrix")],
    "07.2": [(lambda p: float(np.mean(np.sum(p * (np.log(p) - np.log(p.mean(0))), axis=1))), "exponential")],
    "07.3": [(_radii_precision(-1), "(k-1)-th"), (_radii_precision(1), "(k+1)-th")],
}
ANSWERS = {"02.1": "latent_vectors", "03.2": "answer"}


def test_every_exercise_has_wrong_answers_and_a_solution_notebook():
    """Each exercise is tested by exactly one tests/test_exercises*.py file, and its chapter has a solution notebook."""
    covered = []
    for path in sorted(HERE.glob("test_exercises*.py")):
        module = WRONG if path.stem == "test_exercises" else importlib.import_module(path.stem).WRONG
        covered += list(module)
    assert sorted(covered) == sorted(exercises.EXERCISES)
    chapters = {path.name[:2] for path in SOLUTIONS.glob("*.ipynb")}
    assert {exercise.chapter for exercise in exercises.EXERCISES.values()} <= chapters


def _answer(solved, exercise_id):
    if exercise_id in ANSWERS:
        return solved[ANSWERS[exercise_id]]
    function_name = {"00.1": "count_modes", "00.2": "mixture_density", "00.3": "to_pixels", "01.1": "bce_from_logits",
                     "01.2": "best_expert", "01.3": "accuracy", "02.2": "interpolate", "02.3": "forger_loss",
                     "03.1": "expert_loss", "03.3": "forger_step", "04.1": "build_forger", "04.2": "ema_update",
                     "04.3": "build_expert", "07.1": "frechet_distance", "07.2": "classifier_score",
                     "07.3": "precision"}[exercise_id]
    return solved[function_name]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = ... if exercise_id in ANSWERS else None
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)


def test_progress_and_require_all(solved, capsys, monkeypatch):
    monkeypatch.setattr(exercises.core, "_solved", set())
    with pytest.raises(exercises.WrongAnswer, match="03.1, 03.2, 03.3 were not checked"):
        exercises.require_all("03")
    exercises.check("03.1", solved["expert_loss"])
    exercises.progress("03")
    assert "1 of 3 exercises solved; still to do: 03.2, 03.3" in capsys.readouterr().out
    with pytest.raises(exercises.WrongAnswer):  # a wrong answer does not count as solved
        exercises.check("03.2", 0.5)
    assert not exercises.is_solved("03.2")
    exercises.check("03.2", solved["answer"])
    exercises.check("03.3", solved["forger_step"])
    exercises.require_all("03")
    assert "all 3 exercises solved" in capsys.readouterr().out


def test_bad_ids_and_non_functions_are_reported(capsys):
    with pytest.raises(ValueError, match="no exercise '99.1'"):
        exercises.check("99.1", 1)
    with pytest.raises(ValueError, match="has no exercises"):
        exercises.require_all("99")
    with pytest.raises(exercises.WrongAnswer, match="expected a function; got int"):
        exercises.check("01.1", 3)
    exercises.check("00.1", [..., 1])  # a gap inside a tuple or list is a gap too
    assert "not done yet" in capsys.readouterr().out
