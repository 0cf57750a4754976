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
    """The names the solutions of the chapters this file covers define (other files run their own)."""
    names = {}
    for chapter in sorted({exercise_id[:2] for exercise_id in WRONG}):
        names.update(solved_names(chapter))
    return names


def _softplus(x):
    return np.logaddexp(0.0, x)


@np.errstate(all="ignore")
def _naive_bce(logits, targets):
    probability = 1 / (1 + np.exp(-logits))
    return -(targets * np.log(probability) + (1 - targets) * np.log(1 - probability))


def _expert_step_on(loss_of_logits, move_both=False):
    def expert_step(generator, discriminator, optimizer, real, latent):
        weights = discriminator.trainable_weights + (generator.trainable_weights if move_both else [])
        with tf.GradientTape() as tape:
            loss = loss_of_logits(discriminator(real, training=True),
                                  discriminator(generator(latent, training=True), training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        return loss

    return expert_step


def _minus_value(real_logits, fake_logits):
    return tf.reduce_mean(tf.nn.softplus(-real_logits)) + tf.reduce_mean(tf.nn.softplus(fake_logits))


@np.errstate(all="ignore")
def _value_terms(p_data, p_g):
    best = p_data / (p_data + p_g)
    return p_data * np.log(best) + p_g * np.log(1 - best)


def _short_game_far_when_changed(expert_learning_rate):
    return 0.2 if expert_learning_rate == 1e-3 else 2.0


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


def _mode_shares(shares_of, radius_in_stds=3):
    def mode_shares(points, centres, std):
        distances = np.linalg.norm(points[:, None] - centres[None], axis=-1)
        close = distances.min(axis=1) < radius_in_stds * std
        return shares_of(np.bincount(distances.argmin(axis=1)[close], minlength=len(centres)), points)
    return mode_shares


def _best_accuracy_times(factor):
    def best_accuracy(fake_std):
        xs = np.linspace(-30.0, 30.0, 300_001)
        fake = np.exp(-0.5 * (xs / fake_std) ** 2) / (fake_std * np.sqrt(2 * np.pi))
        return factor * 0.5 * np.sum(np.maximum(data.mixture_1d_density(xs), fake)) * (xs[1] - xs[0])
    return best_accuracy


def _best_error(fake_std):
    return 1.0 - _best_accuracy_times(1.0)(fake_std)


def _unit_rows(rows):
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _kept_walk(start, end, num_steps):
    weights = np.linspace(0.0, 1.0, num_steps)[:, None]
    lengths = (1 - weights) * np.linalg.norm(start) + weights * np.linalg.norm(end)
    return _unit_rows((1 - weights) * start + weights * end) * lengths


# one or more wrong answers per exercise, each with a phrase its message must contain
WRONG = {
    "00.1": [(_mode_shares(lambda counts, points: counts), "divide by the number of points"),
             (_mode_shares(lambda counts, points: counts / max(counts.sum(), 1)), "divide by all the points"),
             (_mode_shares(lambda counts, points: counts / len(points), radius_in_stds=np.inf), "count for no mode"),
             (_mode_shares(lambda counts, points: counts[counts > 0] / len(points)), "0 for a mode")],
    "00.2": [(lambda x: data.mixture_1d_density(x) * 2, "weight 1/2"),
             (lambda x: 0.5 * np.exp(-2 * (x + 2) ** 2) + 0.5 * np.exp(-2 * (x - 2) ** 2), "sqrt(2 pi)")],
    "00.3": [(lambda images: "0..255" if np.max(images) > 1 else "0..1", "smallest value"),
             (lambda images: "0..255" if images.dtype == np.uint8 else "-1..1" if np.min(images) < 0 else "0..1",
              "Values above 1"),
             (lambda images: "0..255" if np.max(images) == 255 else "-1..1" if np.min(images) < 0 else "0..1",
              "A uint8 batch"),
             (lambda images: "0-255", "return one of")],
    "01.1": [(_naive_bce, "infinite or NaN"), (lambda x, t: np.mean(_softplus(x) - t * x), "single number"),
             (lambda x, t: _softplus(x) - (1 - t) * x, "targets swapped")],
    "01.2": [(_best_accuracy_times(2.0), "weight 1/2"), (_best_error, "best possible *error*"),
             (lambda fake_std: _best_accuracy_times(1.0)(0.5), "the same as for 0.5")],
    "01.3": [(lambda logits, targets: np.mean((logits > 0.5) == (targets == 1)), "threshold logits at 0")],
    "02.1": [(0.5, "one half"), (1.0, "point the same way"), (5.66, "a length, not a ratio"), (0.6, "near the same")],
    "02.2": [(lambda start, end, n: start + np.linspace(0, 1, n)[:, None] * (end - start), "straight line"),
             (lambda start, end, n: start + np.linspace(0, 1, n - 1)[:, None] * (end - start), "include both ends"),
             (lambda start, end, n: _unit_rows(start + np.linspace(0, 1, n)[:, None] * (end - start)), "length 1"),
             (lambda start, end, n: _kept_walk(end, start, n), "backwards")],
    "02.3": [(lambda logits: -_softplus(logits), "saturates"), (lambda logits: _softplus(logits), "raise"),
             (np.errstate(all="ignore")(lambda logits: -np.log(1 / (1 + np.exp(-logits)))), "infinite or NaN")],
    "03.1": [(np.log(2), "log 2"), (0.5, "every logit is 0")],
    "03.2": [(_expert_step_on(lambda r, f: -_minus_value(r, f)), "made V smaller"),
             (_expert_step_on(lambda r, f: 64 * _minus_value(r, f)), "64 times too large"),
             (_expert_step_on(lambda r, f: _minus_value(-r, -f)), "swapped"),
             (_expert_step_on(_minus_value, move_both=True), "forger's weights changed"),
             (lambda g, d, optimizer, real, latent: 0.0, "did not move")],
    "03.3": [(lambda p_data, p_g, width: float(np.nansum(_value_terms(p_data, p_g))), "bin width"),
             (lambda p_data, p_g, width: float(np.sum(_value_terms(p_data, p_g)) * width), "0 * log 0"),
             (lambda p_data, p_g, width: float(np.nansum(_value_terms(p_data, p_g)) * width / np.log(2)), "bits")],
    "03.4": [((2e-3, "farther", _short_game_far_when_changed), "factor of 3"),
             ((1e-5, "sooner", _short_game_far_when_changed), "one of"),
             ((1e-5, "closer", _short_game_far_when_changed), "you predicted 'closer'"),
             ((1e-2, "about the same", _short_game_far_when_changed), "overreacts")],
    "04.1": [(_forger_without_tanh, "tanh"), (_forger_14, "doubles the size")],
    "04.2": [((lambda steps, warm_up: _momenta(steps, warm_up, first=0).prod(), True), "2/11"),
             ((lambda steps, warm_up: _momenta(steps, warm_up, ceiling=np.inf).prod(), True), "keep the min()"),
             ((lambda steps, warm_up: 1 - _momenta(steps, warm_up).prod(), True), "later weights"),
             ((lambda steps, warm_up: _momenta(steps, warm_up).prod(), False), "13.5%"),
             ((lambda steps, warm_up: _momenta(steps, warm_up).prod(), "yes"), "True or False")],
    "04.3": [(_expert_with(keras.layers.BatchNormalization()), "batch normalization"),
             (_expert_with(last=keras.layers.Dense(1, activation="sigmoid")), "raw logit"),
             (lambda: keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(),
                                        keras.layers.Dense(1)]), "strided convolutions")],
    "07.1": [(lambda a, b: float(np.sum((a.mean(0) - b.mean(0)) ** 2)), "mean term only"),
             (_frechet_sqrt_elementwise, "matrix")],
    "07.2": [(lambda p: float(np.mean(np.sum(p * (np.log(p) - np.log(p.mean(0))), axis=1))), "exponential")],
    "07.3": [(_radii_precision(-1), "(k-1)-th"), (_radii_precision(1), "(k+1)-th")],
}
ANSWERS = {"02.1": "midpoint_ratio", "03.1": "answer"}

def _momenta(steps, warm_up, first=1, ceiling=0.999):
    """Exercise 04.2's momenta of steps first, first + 1, ...: warmed up (capped at ``ceiling``) or 0.999."""
    step = np.arange(first, first + steps, dtype=np.float64)
    return np.minimum(ceiling, (1 + step) / (10 + step)) if warm_up else np.full(steps, 0.999)



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
    if exercise_id == "03.4":  # an experiment: the learner's setting, prediction and game, from chapter 03 alone
        chapter = solved_names("03")
        return chapter["expert_learning_rate"], chapter["prediction"], chapter["short_game"]
    if exercise_id == "04.2":  # the learner's function and the verdict it leads to
        return solved["start_share"], solved["needs_warm_up"]
    if exercise_id in ANSWERS:
        return solved[ANSWERS[exercise_id]]
    function_name = {"00.1": "mode_shares", "00.2": "mixture_density", "00.3": "pixel_range",
                     "01.1": "bce_from_logits", "01.2": "best_accuracy", "01.3": "accuracy", "02.2": "interpolate",
                     "02.3": "forger_loss", "03.2": "expert_step", "03.3": "value_at_best_expert",
                     "04.1": "build_forger", "04.3": "build_expert", "07.1": "frechet_distance",
                     "07.2": "classifier_score", "07.3": "precision"}[exercise_id]
    return solved[function_name]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = ... if exercise_id in ANSWERS else None
    if exercise_id == "03.4":
        gap = (..., ..., _short_game_far_when_changed)
    if exercise_id == "04.2":
        gap = (lambda steps, warm_up: ..., ...)
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)


def test_progress_and_require_all(solved, capsys, monkeypatch):
    monkeypatch.setattr(exercises.core, "_solved", set())
    with pytest.raises(exercises.WrongAnswer, match="03.1, 03.2, 03.3, 03.4 were not checked"):
        exercises.require_all("03")
    exercises.check("03.1", solved["answer"])
    exercises.progress("03")
    assert "1 of 4 exercises solved; still to do: 03.2, 03.3, 03.4" in capsys.readouterr().out
    with pytest.raises(exercises.WrongAnswer):  # a wrong answer does not count as solved
        exercises.check("03.3", lambda p_data, p_g, width: 0.5)
    assert not exercises.is_solved("03.3")
    exercises.check("03.2", solved["expert_step"])
    exercises.check("03.3", solved["value_at_best_expert"])
    exercises.check("03.4", (1e-5, "farther", _short_game_far_when_changed))
    exercises.require_all("03")
    assert "all 4 exercises solved" in capsys.readouterr().out


def test_bad_ids_and_non_functions_are_reported(capsys):
    with pytest.raises(ValueError, match="no exercise '99.1'"):
        exercises.check("99.1", 1)
    with pytest.raises(ValueError, match="has no exercises"):
        exercises.require_all("99")
    with pytest.raises(exercises.WrongAnswer, match="expected a function; got int"):
        exercises.check("01.1", 3)
    exercises.check("00.1", [..., 1])  # a gap inside a tuple or list is a gap too
    assert "not done yet" in capsys.readouterr().out
