"""Checks for the exercises of chapter 02: the forger."""

from __future__ import annotations

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
    positive_number,
    softplus,
)


@exercise("02.1", "measure how long the midpoint between two latent vectors is, against the vectors themselves")
def _check_midpoint_ratio(midpoint_ratio) -> str:
    value = numbers(midpoint_ratio, "midpoint_ratio")
    if value.size != 1:
        raise WrongAnswer(f"give one number, the mean length of the midpoints over the mean length of the vectors; "
                          f"got shape {value.shape}")
    value = float(value.ravel()[0])
    if abs(value - 0.5) < 0.03:
        raise WrongAnswer(f"got {value:.3f}, one half: that holds only for two vectors that point the same way. "
                          "Measure it: draw the pairs, take (a + b) / 2, and compare lengths")
    if abs(value - 1.0) < 0.03:
        raise WrongAnswer(f"got {value:.3f}: the midpoint is as long as the vectors only if a and b point the same "
                          "way; compare the length of (a + b) / 2 with the length of a")
    if value > 2.0:
        raise WrongAnswer(f"got {value:.2f}, a length, not a ratio: divide the mean length of the midpoints by the "
                          "mean length of the vectors")
    if abs(value - 1 / np.sqrt(2)) > 0.03:
        raise WrongAnswer(f"got {value:.3f}; with 1,000 pairs of Gaussian vectors of size 64, the mean length of "
                          "(a + b) / 2 over the mean length of a should come out near the same number every time. "
                          "Use np.linalg.norm(..., axis=1) for one length per vector")
    return (f"{value:.3f}, about 1/√2 = 0.707: two random latent vectors are almost perpendicular, so the "
            "middle of the straight line between them is much shorter than any idea the forger usually gets")


def _reference_walk(start: np.ndarray, end: np.ndarray, num_steps: int) -> np.ndarray:
    weights = np.linspace(0.0, 1.0, num_steps)[:, None]
    straight = (1 - weights) * start + weights * end
    lengths = (1 - weights) * np.linalg.norm(start) + weights * np.linalg.norm(end)
    return straight / np.linalg.norm(straight, axis=1, keepdims=True) * lengths


@exercise("02.2", "a walk between two ideas that keeps the length of a typical idea")
def _check_length_keeping_walk(interpolate) -> str:
    rng = np.random.default_rng(2)
    start, end = rng.standard_normal(64), 1.2 * rng.standard_normal(64)
    got = numbers(call(interpolate, start.copy(), end.copy(), 7), "the path")
    if got.shape in ((5, 64), (6, 64)):
        raise WrongAnswer(f"it returned {got.shape[0]} vectors for num_steps=7: include both ends, start and end")
    expect_shape(got, (7, 64), "the path", "Return num_steps vectors, one per row.")
    expected = _reference_walk(start, end, 7)
    weights = np.linspace(0.0, 1.0, 7)[:, None]
    straight = (1 - weights) * start + weights * end
    expect_close(got, expected, "the path", mistakes=[
        (expected[::-1], "the path runs backwards: the first row should be `start`, the last `end`"),
        (straight, f"that is the straight line: its middle is only {np.linalg.norm(straight[3]):.1f} long, "
         f"against {np.linalg.norm(expected[3]):.1f} for the ends' average; rescale each row to the length "
         "that goes evenly from |start| to |end|"),
        (straight / np.linalg.norm(straight, axis=1, keepdims=True), "every row has length 1: rescale to the "
         "length that goes evenly from |start| to |end|, not to 1"),
        (straight / np.linalg.norm(straight, axis=1, keepdims=True) * np.sqrt(64), "every row has length √64 = 8: "
         "the ends must stay `start` and `end` exactly, so the length goes evenly from |start| to |end|"),
    ])
    return (f"7 ideas from start to end in the straight line's directions; the middle one is "
            f"{np.linalg.norm(got[3]):.1f} long, where the straight line's is {np.linalg.norm(straight[3]):.1f}: "
            "no idea on the walk is shorter than the ones the forger usually gets")


@exercise("02.3", "the forger's non-saturating loss -log D(G(z)), one value per forgery")
def _check_forger_loss(forger_loss) -> str:
    logits = np.array([-100.0, -20.0, -2.0, 0.0, 2.0, 20.0], dtype=np.float32)
    got = numbers(call(forger_loss, logits), "the loss")
    if got.shape == ():
        raise WrongAnswer("it returned a single number; return one loss per forgery (no mean), shape (6,)")
    expect_shape(got, logits.shape, "the loss")
    expect_finite(got, "the loss", "-log(sigmoid(l)) overflows for very negative logits: it equals "
                   "softplus(-l), e.g. np.logaddexp(0, -l)")
    expected = softplus(-logits.astype(np.float64))
    expect_close(got, expected, "the loss", atol=1e-4, mistakes=[
        (-softplus(logits.astype(np.float64)), "that is log(1 - D(G(z))), the original minimax loss, which "
         "saturates: it is flat where the expert rejects the forgery. Use -log D(G(z))"),
        (softplus(logits.astype(np.float64)), "that is -log(1 - D(G(z))), which the forger would *raise* by "
         "being caught; it wants D(G(z)) close to 1: -log D(G(z))"),
    ])
    return f"-log D(G(z)): {expected[2]:.3f} for a logit of -2 and {expected[4]:.3f} for +2"


#: The learning rate of the chapter's forger against the fixed expert; exercise 02.4's experiment changes it.
CHAPTER_FORGER_LEARNING_RATE = 1e-3
#: Outcomes the learner may predict in exercise 02.4 (the mean D(forgery) at the end), and the difference of
#: means that separates them.
OUTCOMES = ("higher", "about the same", "lower")
CLEAR_DIFFERENCE = 0.05


def _why(learning_rate: float, outcome: str) -> str:
    slower = learning_rate < CHAPTER_FORGER_LEARNING_RATE
    if outcome == "about the same":
        return ("at both paces the forger reached the expert's favourite spots before the steps ran out, and a "
                "fixed expert's verdict has a ceiling: no forgery can score more than the expert's highest value")
    if outcome == "higher":
        return ("at the chapter's pace the forger had not yet reached the top of the expert's verdict when the "
                "steps ran out; this pace got it there")
    if slower:
        return ("the forger climbs the expert's verdict one small step at a time; with steps this small it has "
                "not reached the expert's favourite spots when the steps run out")
    return ("steps this large overshoot the expert's narrow peaks: the forgeries jump past the spots the expert "
            "likes and land where it does not")


def _read_learning_rate(learning_rate) -> float:
    learning_rate = positive_number(learning_rate, "forger_learning_rate")
    return expect_changed("forger_learning_rate", learning_rate, CHAPTER_FORGER_LEARNING_RATE, 3)


def _measured(learning_rate: float, baseline: float, changed: float, outcome: str) -> str:
    return (f"with the forger's learning rate at {learning_rate:g} the expert gave the forgeries a mean "
            f"D(forgery) of {changed:.3f} at the end, against {baseline:.3f} at "
            f"{CHAPTER_FORGER_LEARNING_RATE:g}: {outcome}")


@exercise("02.4", "an experiment: predict, then measure, what the forger's learning rate does against a fixed expert")
def _check_forger_pace_experiment(answer) -> str:
    return experiment(
        answer, names=("forger_learning_rate", "prediction", "fooled"), read=_read_learning_rate,
        chapter_value=CHAPTER_FORGER_LEARNING_RATE, outcomes=OUTCOMES, rises="higher", falls="lower",
        difference=CLEAR_DIFFERENCE,
        returns="the mean probability of real that the expert gives the forgeries, between 0 and 1",
        valid=lambda baseline, changed: 0 <= baseline <= 1 and 0 <= changed <= 1, measured=_measured, why=_why)
