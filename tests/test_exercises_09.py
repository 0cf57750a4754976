"""Chapter 09's exercises: each check passes the solution, reports an empty gap, and names the usual mistakes."""

import numpy as np
import pytest
import tensorflow as tf
from exercise_harness import assert_check_contract, solved_names


def _pairs(tie):
    def roc_auc(positive, negative):
        return float(np.mean((positive[:, None] > negative[None]) + tie * (positive[:, None] == negative[None])))
    return roc_auc


def _ranks_with_ties(scores):
    """1-based ranks, tied scores sharing their mean rank (as the chapter's roc_auc does)."""
    order = np.argsort(scores, kind="mergesort")
    _, first, counts = np.unique(scores[order], return_index=True, return_counts=True)
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    return ranks


def _by_ranks(subtract=True, divide_by_square=False, mean_ranks=True):
    def roc_auc(positive, negative):
        scores = np.concatenate([positive, negative])
        ranks = _ranks_with_ties(scores) if mean_ranks else np.argsort(np.argsort(scores, kind="stable")) + 1
        n_pos, n_neg = len(positive), len(negative)
        rank_sum = ranks[:n_pos].sum() - (n_pos * (n_pos + 1) / 2 if subtract else 0.0)
        return float(rank_sum / (n_pos**2 if divide_by_square else n_pos * n_neg))
    return roc_auc


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
    "09.1": [(_pairs(0.0), "ties count as losses"), (_pairs(1.0), "ties count as wins"),
             (lambda positive, negative: _pairs(0.5)(negative, positive), "*negative* scores higher"),
             (_by_ranks(mean_ranks=False), "ties count as losses"),
             (_by_ranks(subtract=False), "subtract n_pos (n_pos + 1) / 2"),
             (_by_ranks(divide_by_square=True), "not n_pos squared"),
             (lambda positive, negative: 0.5 + 0.1 * np.mean(positive > positive.mean()), "ties counted half")],
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
}
ANSWERS = {"09.1": "roc_auc", "09.2": "unsupervised_loss", "09.3": "feature_matching_loss"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("09")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    assert_check_contract(exercise_id, solved[ANSWERS[exercise_id]], WRONG[exercise_id], capsys, monkeypatch)


@pytest.mark.parametrize(("exercise_id", "answer"), [("09.1", _by_ranks()), ("09.2", _keras_loss)],
                         ids=["09.1-by-mean-ranks", "09.2-tensorflow-float32"])
def test_other_correct_ways_are_accepted(exercise_id, answer, capsys, monkeypatch):
    from ganlib import exercises

    monkeypatch.setattr(exercises.core, "_solved", set())
    exercises.check(exercise_id, answer)
    assert exercises.is_solved(exercise_id)
