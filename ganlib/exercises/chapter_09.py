"""Checks for the exercises of chapter 09: the expert after the game."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_close,
    expect_finite,
    expect_shape,
    numbers,
    softplus,
)


def _one_number(value, what: str) -> float:
    got = numbers(value, what)
    if got.size != 1:
        raise WrongAnswer(f"return one number, {what}; got shape {got.shape}")
    return float(got.ravel()[0])


def _pairwise_auc(positive: np.ndarray, negative: np.ndarray, tie: float = 0.5) -> float:
    """The share of (positive, negative) pairs where the positive scores higher, a tie counting ``tie``."""
    higher = positive[:, None] > negative[None, :]
    equal = positive[:, None] == negative[None, :]
    return float(np.mean(higher + tie * equal))


@exercise("09.1", "the ROC AUC of a detector from two sets of scores, ties counted half")
def _check_roc_auc(roc_auc) -> str:
    rng = np.random.default_rng(91)
    positive = rng.integers(0, 10, 70).astype(np.float64)  # whole-number scores: many ties
    negative = rng.integers(0, 8, 50).astype(np.float64)
    got = _one_number(call(roc_auc, positive.copy(), negative.copy()), "the AUC")
    expected = _pairwise_auc(positive, negative)
    if abs(got - expected) > 1e-6:
        tied_ranks = _mean_ranks(np.concatenate([positive, negative]))
        rank_sum = tied_ranks[:70].sum()
        known = [
            (_pairwise_auc(positive, negative, tie=0.0), "ties count as losses here; a tie between a positive and "
             "a negative counts half (if you rank the scores, tied scores share their mean rank)"),
            (_pairwise_auc(positive, negative, tie=1.0), "ties count as wins here (>=); a tie counts half"),
            (1.0 - expected, "that is the probability that a *negative* scores higher: the positive scores "
             "(the real digits) come first"),
            (rank_sum / (70 * 50), "the rank sum of the positives still contains their own ranks among themselves: "
             "subtract n_pos (n_pos + 1) / 2 before dividing by n_pos * n_neg"),
            ((rank_sum - 70 * 71 / 2) / 70**2, "divide the count of won pairs by the number of pairs, "
             "n_pos * n_neg, not n_pos squared"),
        ]
        for wrong, explanation in known:
            if abs(got - wrong) < 1e-6:
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}, the share of (positive, negative) pairs in which "
                          "the positive scores higher, ties counted half")
    # continuous scores of unequal sizes, and the two known ends
    high, low = rng.normal(1.0, 1.0, 300), rng.normal(0.0, 1.0, 200)
    continuous = _one_number(call(roc_auc, high.copy(), low.copy()), "the AUC")
    if abs(continuous - _pairwise_auc(high, low)) > 1e-6:
        raise WrongAnswer(f"for N(1, 1) against N(0, 1) scores (300 and 200) it gave {continuous:.4f}; expected "
                          f"{_pairwise_auc(high, low):.4f}")
    same = _one_number(call(roc_auc, low.copy(), low.copy()), "the AUC")
    if abs(same - 0.5) > 1e-6:
        raise WrongAnswer(f"two identical sets of scores should give 0.5 (a coin); got {same:.4f}")
    return (f"{expected:.4f} on whole-number scores full of ties, {continuous:.3f} for N(1, 1) against N(0, 1), "
            "0.5 for identical sets")


def _mean_ranks(scores: np.ndarray) -> np.ndarray:
    """1-based ranks, tied scores sharing their mean rank (written out with a loop over the distinct values)."""
    ranks = np.empty(len(scores))
    order = np.sort(scores)
    for value in np.unique(scores):
        positions = np.flatnonzero(order == value) + 1
        ranks[scores == value] = positions.mean()
    return ranks


def _logsumexp(logits: np.ndarray) -> np.ndarray:
    top = logits.max(axis=1)
    return top + np.log(np.exp(logits - top[:, None]).sum(axis=1))


@exercise("09.2", "the semi-supervised expert's unsupervised loss from its K class logits")
def _check_unsupervised_loss(unsupervised_loss) -> str:
    rng = np.random.default_rng(92)
    real_logits, fake_logits = rng.normal(0.0, 3.0, (8, 10)), rng.normal(0.0, 3.0, (8, 10))
    real_logits[0], fake_logits[0] = 1000.0, -1000.0  # exp overflows (and underflows) here
    real_logits[1], fake_logits[1] = -1000.0, 1000.0
    real_logits[2], fake_logits[2] = 0.0, 0.0  # Z = K: D(x) = 10/11
    got = numbers(call(unsupervised_loss, real_logits.copy(), fake_logits.copy()), "the loss")
    if got.size == 1:
        raise WrongAnswer("it returned a single number; return one loss per pair of rows (no mean), shape (8,)")
    expect_shape(got, (8,), "the loss", "One loss per row: the real digit's and the forgery's terms added.")
    expect_finite(got, "the loss", "at logits of +-1000, exp overflows: compute log Z with a logsumexp "
                  "(scipy.special.logsumexp, keras.ops.logsumexp) and -log D = softplus(-log Z), "
                  "-log(1 - D) = softplus(log Z) (np.logaddexp(0, x) is softplus)")
    log_z_real, log_z_fake = _logsumexp(real_logits), _logsumexp(fake_logits)
    expected = softplus(-log_z_real) + softplus(log_z_fake)

    def loss_with(log_z_of):
        return softplus(-log_z_of(real_logits)) + softplus(log_z_of(fake_logits))

    expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (softplus(log_z_real) + softplus(-log_z_fake), "the roles are swapped: a real digit should get D(x) "
         "near 1 (loss -log D(x)) and a forgery D(x) near 0 (loss -log(1 - D(x)))"),
        (loss_with(lambda logits: logits.max(axis=1)), "that uses the largest logit as log Z; Z sums e^l over "
         "*all* K classes (a logsumexp, not a max)"),
        (loss_with(lambda logits: logits.sum(axis=1)), "that uses the sum of the logits as log Z; Z is the sum of "
         "their exponentials, log Z = logsumexp(logits)"),
        (loss_with(lambda logits: _logsumexp(logits) - math.log(10)), "that uses the log of the *mean* of e^l; "
         "Z is the sum over the K classes"),
        (loss_with(lambda logits: np.logaddexp(0.0, _logsumexp(logits))), "the forged class's e^0 = 1 went into "
         "Z: Z sums the K digit classes only, and D(x) = Z / (Z + 1)"),
        (softplus(-log_z_real), "only the real digit's term is there: add the forgery's -log(1 - D(x)) = log(1 + Z)"),
        (softplus(log_z_fake), "only the forgery's term is there: add the real digit's -log D(x)"),
    ])
    return (f"-log D(real) - log(1 - D(fake)) with D = Z/(Z+1) on every row: {expected[2]:.4f} = log(11/10) + log 11 "
            "where all ten logits are 0, and exact at logits of +-1000")


@exercise("09.3", "the forger's feature-matching loss")
def _check_feature_matching(feature_matching_loss) -> str:
    rng = np.random.default_rng(93)
    real = rng.normal(0.0, 1.0, (32, 12))
    fake = rng.normal(0.4, 2.0, (32, 12)) + rng.normal(0.0, 0.5, 12)
    got = _one_number(call(feature_matching_loss, real.copy(), fake.copy()), "the loss")
    gap = real.mean(axis=0) - fake.mean(axis=0)
    expected = float(np.mean(gap**2))
    if not math.isclose(got, expected, rel_tol=1e-5):
        known = [
            (float(np.mean((real - fake) ** 2)), "that compares the digits and forgeries pair by pair; feature "
             "matching compares the *batch means* of each feature: mean over features of "
             "(mean of real - mean of fake) squared"),
            (float(np.sum(gap**2)), "that sums over the features; average over them (12 here)"),
            (math.sqrt(expected), "that is the root of the loss; the loss is the mean *squared* gap"),
            (float(np.sqrt(np.sum(gap**2))), "that is the length of the gap vector; the loss is the mean of its "
             "squared entries"),
            (float(np.mean(np.abs(gap))), "that is the mean absolute gap; square the gaps"),
            (float(np.mean((real.mean(axis=1) - fake.mean(axis=1)) ** 2)), "the means are over the wrong axis: "
             "average each feature over the batch (axis 0), not each example over its features"),
        ]
        for wrong, explanation in known:
            if math.isclose(got, wrong, rel_tol=1e-5):
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}")
    shuffled = _one_number(call(feature_matching_loss, real.copy(), real[rng.permutation(32)].copy()), "the loss")
    if abs(shuffled) > 1e-9:
        raise WrongAnswer(f"the same batch in another order gave {shuffled:.4f}; its feature means are the same, so "
                          "the loss should be 0")
    return (f"{expected:.4f}, the mean squared gap between the batch means of 12 features, and 0 for the same batch "
            "in another order")
