"""Checks for the exercises of chapter 09: the expert after the game."""

from __future__ import annotations

import math

import numpy as np

from ganlib.exercises.core import (
    WrongAnswer,
    call,
    exercise,
    expect_changed,
    expect_close,
    expect_finite,
    expect_shape,
    experiment,
    numbers,
    one_number,
    softplus,
    whole_number,
)


def _pairwise_auc(positive: np.ndarray, negative: np.ndarray, tie: float = 0.5) -> float:
    """The share of (positive, negative) pairs where the positive scores higher, a tie counting ``tie``."""
    higher = positive[:, None] > negative[None, :]
    equal = positive[:, None] == negative[None, :]
    return float(np.mean(higher + tie * equal))


def _reference_caught(real: np.ndarray, suspects: np.ndarray, accepted: float) -> float:
    threshold = np.quantile(real, 1.0 - accepted)
    return float(np.mean(suspects < threshold))


@exercise("09.1", "the expert as a detector: the share of suspects caught at a threshold that accepts 95 % of real")
def _check_caught_share(caught_share) -> str:
    rng = np.random.default_rng(91)
    real, suspects = rng.normal(1.0, 1.0, 1000), rng.normal(-0.5, 1.5, 800)  # logits: high means "real"
    got = one_number(call(caught_share, real.copy(), suspects.copy(), 0.95), "the share caught")
    expected = _reference_caught(real, suspects, 0.95)
    tolerance = 0.004  # the quantile's rounding rule (np.quantile's method) may move a suspect or two
    if abs(got - expected) > tolerance:
        known = [
            (1.0 - expected, "that is the share let through; a suspect is caught when its score is *below* the "
             "threshold"),
            (_reference_caught(real, suspects, 0.05), "the threshold is at the 95th percentile of the real scores, "
             "so it accepts only 5 % of real digits; put it at the 5th percentile, np.quantile(real, 1 - accepted)"),
            (float(np.mean(suspects < np.quantile(suspects, 0.05))), "that is 5 %, the rate set by the threshold "
             "itself: either the threshold came from the suspects' scores, or you counted the real digits below it; "
             "set the threshold on the real scores and count the *suspects* below it"),
            (100 * expected, "that is a percentage; return a share between 0 and 1"),
        ]
        for wrong, explanation in known:
            if abs(got - wrong) <= tolerance:
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f}, the share of suspects scoring below the 5th "
                          "percentile of the real scores")
    same = one_number(call(caught_share, real.copy(), real[::-1].copy(), 0.95), "the share caught")
    if abs(same - 0.05) > 0.01:
        raise WrongAnswer(f"suspects that score exactly like the real digits should be caught 5 % of the time (the "
                          f"real digits' own rejection rate); got {same:.4f}")
    strict = one_number(call(caught_share, real.copy(), suspects.copy(), 0.99), "the share caught")
    if abs(strict - _reference_caught(real, suspects, 0.99)) > tolerance:
        raise WrongAnswer(f"with accepted = 0.99 it gave {strict:.4f}; expected "
                          f"{_reference_caught(real, suspects, 0.99):.4f}: use `accepted`, not a fixed 0.95")
    auc = _pairwise_auc(real, suspects)
    return (f"{expected:.1%} of the suspects caught while 95 % of the real digits pass ({strict:.1%} at 99 %), with "
            f"an AUC of {auc:.3f}: the AUC summarizes every threshold, the caught share is the one you would deploy")


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
    got = one_number(call(feature_matching_loss, real.copy(), fake.copy()), "the loss")
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
    shuffled = one_number(call(feature_matching_loss, real.copy(), real[rng.permutation(32)].copy()), "the loss")
    if abs(shuffled) > 1e-9:
        raise WrongAnswer(f"the same batch in another order gave {shuffled:.4f}; its feature means are the same, so "
                          "the loss should be 0")
    return (f"{expected:.4f}, the mean squared gap between the batch means of 12 features, and 0 for the same batch "
            "in another order")


#: The forger's width in exercise 09.4's 1-D game, against which the learner's forger is compared.
CHAPTER_FORGER_WIDTH = 64
#: Outcomes the learner may predict in exercise 09.4, and the AUC gap that separates them.
OUTCOMES = ("higher", "about the same", "lower")
CLEAR_GAP = 0.1


def _why(forger_width: int, outcome: str) -> str:
    smaller = forger_width < CHAPTER_FORGER_WIDTH
    if outcome == "about the same":
        if smaller:
            return ("this forger is still large enough to paint both modes in so short a game, so the expert's "
                    "verdicts on real and forged overlap as before; try a width of 2")
        return ("a forger that can already paint the two modes gains little from more weights: it matches the data "
                "about as well, and the expert's verdicts on real and forged overlap as before")
    if outcome == "higher":
        if smaller:
            return ("a forger too small to paint two separate modes leaves forgeries where real data never are "
                    "(between the modes, or beside them); the expert scored those places low all game long, so after "
                    "the game it still tells real from forged. The expert after the game points at where the forger "
                    "failed, and at nothing else")
        return ("a larger forger learns more slowly in so short a game, and its forgeries were still off where the "
                "expert could see them; a different seed may tell another story")
    return ("this forger matched the data more closely than the chapter's, so the expert's verdicts on real and forged "
            "overlap more; at the game's ideal end the expert can only guess, an AUC of 0.5")


def _read_forger_width(forger_width) -> int:
    forger_width = whole_number(forger_width, "forger_width", 1)
    return expect_changed("forger_width", forger_width, CHAPTER_FORGER_WIDTH, 4, " (a width of 2 or 512, say)")


def _measured(forger_width: int, baseline: float, changed: float, outcome: str) -> str:
    return (f"after the game with a forger of width {forger_width}, the expert told held-out real points from "
            f"the forgeries with an AUC of {changed:.2f}, against {baseline:.2f} with width "
            f"{CHAPTER_FORGER_WIDTH}: {outcome}")


@exercise("09.4", "an experiment: predict, then measure, how well the expert catches a weaker forger after the game")
def _check_forger_width_experiment(answer) -> str:
    return experiment(
        answer, names=("forger_width", "prediction", "short_game"), read=_read_forger_width,
        chapter_value=CHAPTER_FORGER_WIDTH, outcomes=OUTCOMES, rises="higher", falls="lower", difference=CLEAR_GAP,
        returns="an AUC between 0 and 1",
        valid=lambda baseline, changed: 0.0 <= baseline <= 1.0 and 0.0 <= changed <= 1.0, measured=_measured,
        why=_why)
