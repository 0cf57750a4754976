"""Chapter 04's experiment, exercise 04.4: the solution passes, an empty gap is "not done yet", the usual
mistakes are named, and a prediction the game contradicts is refused with what was measured.

Each short game trains for real once per kind of forger (with or without batch normalization); later calls
reuse its weights, so the check runs several times at the cost of two games.
"""

import keras
import pytest
from exercise_harness import assert_check_contract, solved_names

from ganlib import GAN, exercises


class ReplayedGames:
    """Wraps the solution's ``short_game``: the first game of each kind trains, later ones copy its weights."""

    def __init__(self, short_game):
        self.short_game, self.trained = short_game, {}

    def __call__(self, generator):
        kind = any(isinstance(layer, keras.layers.BatchNormalization) for layer in generator.layers)
        if kind not in self.trained:
            self.trained[kind] = self.short_game(generator)
            return self.trained[kind]
        played = self.trained[kind]
        generator.set_weights(played.generator.get_weights())
        gan = GAN(generator, played.discriminator, seed=0)
        gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam())
        gan.g_optimizer.iterations.assign(played.g_optimizer.iterations)
        gan.history = played.history  # what fit() left on the game: its History, with the epochs' verdicts
        return gan


def _forger_without_relu(build):
    """The solution's forger with its activations left out too: more than one setting changed."""
    def build_linear(latent_dim=64, width=32):
        latent = keras.Input(shape=(latent_dim,))
        hidden = keras.layers.Dense(7 * 7 * 4 * width)(latent)
        hidden = keras.layers.Reshape((7, 7, 4 * width))(hidden)
        hidden = keras.layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same")(hidden)
        return keras.Model(latent, keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same",
                                                                activation="tanh")(hidden))
    return build_linear


@pytest.fixture(scope="module")
def solved():
    """The solution's names; its cells' own checks are skipped here (each 04.4 check would play two games)."""
    check = exercises.check
    exercises.check = lambda exercise_id, answer: None
    try:
        return solved_names("04")
    finally:
        exercises.check = check


@pytest.fixture(scope="module")
def games(solved):
    return ReplayedGames(solved["short_game"])


def test_experiment_contract(solved, games, capsys, monkeypatch):
    from ganlib import models

    forger = solved["forger_without_batch_norm"]
    prediction = solved["prediction"]
    other = next(outcome for outcome in exercises.chapter_04.OUTCOMES if outcome != prediction)
    wrong = [
        (("a bit worse", forger, games), "write your prediction as one of"),
        ((prediction, lambda latent_dim, width: models.dcgan_generator(latent_dim, width), games),
         "the setting was not changed"),
        ((prediction, _forger_without_relu(forger), games), "change one setting only"),
        ((other, forger, games), f"the game says {prediction!r}"),
    ]
    assert_check_contract("04.4", (prediction, forger, games), wrong, capsys, monkeypatch,
                          gap=(..., forger, games))


WRONG = {"04.4": []}  # tested above, with the games trained once (tests/test_exercises.py counts the ids here)
