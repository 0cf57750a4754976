"""Chapter 09's exercises: each check passes the solution, reports an empty gap, and names the usual mistakes."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _caught(threshold_of, counted="suspects", below=True, scale=1.0):
    def caught_share(real, suspects, accepted):
        threshold = threshold_of(real, suspects, accepted)
        scores = suspects if counted == "suspects" else real
        return scale * float(np.mean(scores < threshold if below else scores >= threshold))
    return caught_share


def _real_quantile(real, suspects, accepted):
    return np.quantile(real, 1 - accepted)


def _caught_by_sorting(real, suspects, accepted):
    """Another correct way: the threshold is the real score at rank (1 - accepted) * n, no interpolation."""
    threshold = np.sort(real)[int((1 - accepted) * len(real))]
    return float(np.mean(suspects < threshold))


def _higher_when_changed(forger_width):
    """A stand-in for 09.4's short game, instant: an AUC of 0.55 with the chapter's forger, 0.9 otherwise."""
    return 0.55 if forger_width == 64 else 0.9


def _logsumexp(logits):
    return tf.reduce_logsumexp(tf.constant(logits), axis=1).numpy()


def _loss(log_z=_logsumexp, real=True, fake=True, swapped=False):
    def unsupervised_loss(real_logits, fake_logits):
        log_real, log_fake = log_z(real_logits), log_z(fake_logits)
        sign = -1.0 if swapped else 1.0
        return ((np.logaddexp(0.0, -sign * log_real) if real else 0.0)
                + (np.logaddexp(0.0, sign * log_fake) if fake else 0.0))
    return unsupervised_loss


@np.errstate(all="ignore")
def _naive_loss(real_logits, fake_logits):
    z_real, z_fake = np.exp(real_logits).sum(axis=1), np.exp(fake_logits).sum(axis=1)
    return -np.log(z_real / (z_real + 1)) - np.log(1 - z_fake / (z_fake + 1))


def _keras_loss(real_logits, fake_logits):
    """A learner's version in TensorFlow, in float32: accepted."""
    log_real = tf.reduce_logsumexp(tf.constant(real_logits, tf.float32), axis=1)
    log_fake = tf.reduce_logsumexp(tf.constant(fake_logits, tf.float32), axis=1)
    return tf.nn.softplus(-log_real) + tf.nn.softplus(log_fake)


def _gap(real, fake):
    return real.mean(axis=0) - fake.mean(axis=0)


WRONG = {
    "09.1": [(_caught(_real_quantile, below=False), "let through"),
             (_caught(lambda real, suspects, accepted: np.quantile(real, accepted)), "95th percentile"),
             (_caught(lambda real, suspects, accepted: np.quantile(suspects, 1 - accepted)),
              "rate set by the threshold"),
             (_caught(_real_quantile, counted="real"), "rate set by the threshold"),
             (_caught(_real_quantile, scale=100.0), "percentage"),
             (_caught(lambda real, suspects, accepted: np.quantile(real, 0.05)), "use `accepted`"),
             (lambda real, suspects, accepted: 0.3, "5th percentile of the real scores")],
    "09.2": [(_naive_loss, "exp overflows"), (_loss(swapped=True), "roles are swapped"),
             (_loss(log_z=lambda logits: logits.max(axis=1)), "not a max"),
             (_loss(log_z=lambda logits: logits.sum(axis=1)), "sum of their exponentials"),
             (_loss(log_z=lambda logits: _logsumexp(logits) - np.log(logits.shape[1])), "*mean* of e^l"),
             (_loss(log_z=lambda logits: np.logaddexp(0.0, _logsumexp(logits))), "forged class's e^0 = 1"),
             (_loss(fake=False), "only the real digit's term"), (_loss(real=False), "only the forgery's term"),
             (lambda real_logits, fake_logits: float(np.mean(_loss()(real_logits, fake_logits))), "single number")],
    "09.3": [(lambda real, fake: float(np.mean((real - fake) ** 2)), "pair by pair"),
             (lambda real, fake: float(np.sum(_gap(real, fake) ** 2)), "sums over the features"),
             (lambda real, fake: float(np.sqrt(np.mean(_gap(real, fake) ** 2))), "root of the loss"),
             (lambda real, fake: float(np.linalg.norm(_gap(real, fake))), "length of the gap vector"),
             (lambda real, fake: float(np.mean(np.abs(_gap(real, fake)))), "mean absolute gap"),
             (lambda real, fake: float(np.mean((real.mean(axis=1) - fake.mean(axis=1)) ** 2)), "wrong axis"),
             (lambda real, fake: _gap(real, fake) ** 2, "return one number")],
    "09.4": [((32, "higher", _higher_when_changed), "factor of 4"),
             ((2.5, "higher", _higher_when_changed), "whole number"),
             ((2, "sooner", _higher_when_changed), "one of"),
             ((2, "lower", _higher_when_changed), "you predicted 'lower'"),
             ((2, "about the same", _higher_when_changed), "where the forger failed"),
             ((2, "higher", lambda forger_width: 1.5), "between 0 and 1")],
}
ANSWERS = {"09.1": "caught_share", "09.2": "unsupervised_loss", "09.3": "feature_matching_loss"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("09")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    if exercise_id == "09.4":  # an experiment: the learner's setting, prediction and game; the gaps are the first two
        answer, gap = (solved["forger_width"], solved["prediction"], solved["short_game"]), (
            ..., ..., _higher_when_changed)
    else:
        answer, gap = solved[ANSWERS[exercise_id]], None
    assert_check_contract(exercise_id, answer, WRONG[exercise_id], capsys, monkeypatch, gap=gap)


@pytest.mark.parametrize(("exercise_id", "answer"), [("09.1", _caught_by_sorting), ("09.2", _keras_loss)],
                         ids=["09.1-threshold-by-sorting", "09.2-tensorflow-float32"])
def test_other_correct_ways_are_accepted(exercise_id, answer, capsys, monkeypatch):
    from ganlib import exercises

    monkeypatch.setattr(exercises.core, "_solved", set())
    exercises.check(exercise_id, answer)
    assert exercises.is_solved(exercise_id)
