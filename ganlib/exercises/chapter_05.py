"""Checks for the exercises of chapter 05: when the game goes wrong."""

from __future__ import annotations

import functools
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
)


def _kl_to_uniform(counts: np.ndarray) -> float:
    shares = counts / counts.sum()
    full = shares > 0
    return float(np.sum(shares[full] * np.log(shares[full] * len(counts))))


@exercise("05.1", "the reverse KL of a mode histogram against equal shares")
def _check_reverse_kl(reverse_kl) -> str:
    # no empty mode first, so that the usual mistakes give finite, different numbers
    counts = np.array([400, 90, 260, 35, 610, 150, 5, 220])
    got = one_number(call(reverse_kl, counts.copy()), "the reverse KL")
    expected = _kl_to_uniform(counts)
    shares, uniform = counts / counts.sum(), np.full(8, 1 / 8)
    if not math.isfinite(got):
        raise WrongAnswer(f"got {got} for a histogram with no empty mode; expected {expected:.4f}")
    if not math.isclose(got, expected, rel_tol=1e-4):
        known = [
            (float(np.sum(uniform * np.log(uniform / shares))), "the KL is the wrong way round: it is "
             "KL(p || uniform) = sum of p * log(p / (1/K)), with p the shares of the forgeries"),
            (expected / math.log(2), "that is in bits (log base 2); the benchmark's KL is in nats (np.log)"),
            (float(np.sum(counts * np.log(shares * 8))), "the counts weigh the logs: use the shares "
             "p = counts / counts.sum() both in front of the log and inside it"),
            (-expected, "the sign is flipped: sum of p * log(p / (1/K)), which is never negative"),
            (float(np.sum(shares * np.log(counts * 8))), "inside the log, use the shares p = counts / counts.sum(), "
             "not the counts"),
        ]
        for wrong, explanation in known:
            if math.isclose(got, wrong, rel_tol=1e-4):
                raise WrongAnswer(f"got {got:.4f}: {explanation}")
        raise WrongAnswer(f"got {got:.4f}; expected {expected:.4f} (sum of p * log(p * K) over the modes)")

    with_empty = np.array([0, 300, 0, 120, 50, 0, 400, 10])
    got_empty = numbers(call(reverse_kl, with_empty.copy()), "the reverse KL")
    expect_finite(got_empty, "the reverse KL of a histogram with empty modes",
                  "an empty mode adds 0 * log 0, which counts as 0: leave out the modes with count 0")
    got_empty = one_number(got_empty, "the reverse KL")
    if not math.isclose(got_empty, _kl_to_uniform(with_empty), rel_tol=1e-4):
        raise WrongAnswer(f"with empty modes it gave {got_empty:.4f}; expected {_kl_to_uniform(with_empty):.4f}. "
                          "An empty mode adds 0 to the sum, and K still counts it")

    collapsed = np.zeros(8, dtype=int)
    collapsed[3] = 2500
    got_collapsed = one_number(call(reverse_kl, collapsed), "the reverse KL")
    if not math.isclose(got_collapsed, math.log(8), rel_tol=1e-4):
        raise WrongAnswer(f"a forger that paints only one of 8 modes should score log 8 = {math.log(8):.4f}; "
                          f"got {got_collapsed:.4f}")

    grid = np.random.default_rng(5).integers(0, 200, size=25)
    grid[[2, 11]] = 0
    got_grid = one_number(call(reverse_kl, grid.copy()), "the reverse KL")
    if not math.isclose(got_grid, _kl_to_uniform(grid), rel_tol=1e-4):
        if math.isclose(got_grid, float(np.sum((p := grid[grid > 0] / grid.sum()) * np.log(p * 8))), rel_tol=1e-4):
            raise WrongAnswer("on a grid histogram (25 modes) it compared with 1/8: take K = len(counts)")
        raise WrongAnswer(f"on a grid histogram of 25 modes it gave {got_grid:.4f}; "
                          f"expected {_kl_to_uniform(grid):.4f}")
    return (f"{expected:.4f} on the ring histogram, {got_empty:.4f} with empty modes, log 8 = {math.log(8):.4f} "
            f"for a collapsed forger, and {got_grid:.4f} on a 25-mode histogram")


@exercise("05.2", "the slopes of the minimax and non-saturating losses with respect to the expert's logit")
def _check_forger_slopes(forger_slopes) -> str:
    logits = np.array([-30.0, -8.0, -3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 6.0], dtype=np.float32)
    got = numbers(call(forger_slopes, logits.copy()), "the slopes")
    expect_shape(got, (2, len(logits)), "the pair (minimax slope, non-saturating slope)",
                 "return two arrays, one slope per logit each: (minimax, non_saturating)")
    expect_finite(got, "the slopes")
    verdict = 1.0 / (1.0 + np.exp(-logits.astype(np.float64)))  # D = sigmoid(logit)
    minimax, non_saturating = -verdict, verdict - 1.0
    expected = np.stack([minimax, non_saturating])
    with np.errstate(divide="ignore"):
        per_verdict = np.stack([-1.0 / (1.0 - verdict), -1.0 / verdict])
    expect_close(got, expected, "the slopes", atol=1e-5, mistakes=[
        (np.stack([non_saturating, minimax]), "the two are swapped: the minimax loss log(1 - D) has slope -D, "
         "the non-saturating loss -log D has slope -(1 - D)"),
        (-expected, "the signs are flipped: both losses fall as the logit rises (the forger wants a high logit), "
         "so both slopes are negative"),
        (per_verdict, "those are slopes with respect to D, not to the logit: the chain rule adds "
         "dD/dlogit = D (1 - D)"),
        (np.stack([minimax, minimax]), "both are the minimax slope -D; the non-saturating one is -(1 - D)"),
        (np.stack([non_saturating, non_saturating]), "both are the non-saturating slope -(1 - D); the minimax "
         "one is -D"),
    ])
    ratio = non_saturating[1] / minimax[1]
    return (f"at a logit of -8 (D = {verdict[1]:.5f}) the minimax slope is {minimax[1]:.2e} and the "
            f"non-saturating one {non_saturating[1]:.4f}, {ratio:,.0f} times larger")


def _f_prime(t):
    return 1.0 / (1.0 + math.exp(t))  # derivative of f(t) = -log(1 + exp(-t))


def _penalized_step(theta, psi, learning_rate, gamma, *, penalty_sign=-1.0, penalty_factor=1.0, on_forger=False,
                    alternating=False, f_prime=_f_prime):
    """One simultaneous step of the Dirac GAN with the R1 penalty; the keywords make the usual mistakes."""
    expert_penalty = 0.0 if on_forger else penalty_sign * penalty_factor * gamma * psi
    psi_new = psi + learning_rate * (f_prime(psi * theta) * theta + expert_penalty)
    psi_for_forger = psi_new if alternating else psi
    forger_penalty = penalty_factor * gamma * theta if on_forger else 0.0
    theta_new = theta - learning_rate * (f_prime(psi_for_forger * theta) * psi_for_forger + forger_penalty)
    return theta_new, psi_new


@exercise("05.3", "a simultaneous step of the Dirac GAN with a penalty on the expert's slope (R1)")
def _check_penalized_step(dirac_step_penalized) -> str:
    starts = [(0.7, -1.3, 0.3, 1.0), (1.0, 1.0, 0.2, 0.5), (-1.5, 0.4, 0.5, 2.0), (2.0, 0.9, 0.1, 0.3)]
    for theta, psi, learning_rate, gamma in starts:
        got = numbers(call(dirac_step_penalized, theta, psi, learning_rate, gamma), "the new (theta, psi)")
        expect_shape(got, (2,), "the new (theta, psi)", "return the pair (theta, psi) after the step")
        expected = np.array(_penalized_step(theta, psi, learning_rate, gamma))
        mistaken = functools.partial(_penalized_step, theta, psi, learning_rate, gamma)
        expect_close(got, expected, f"a step from theta = {theta}, psi = {psi} with gamma = {gamma}", mistakes=[
            (np.array(mistaken(penalty_factor=0.0)), "gamma changed nothing: the expert ascends "
             "V - (gamma / 2) psi^2, so its step on psi gets the extra term -gamma * psi"),
            (np.array(mistaken(penalty_sign=1.0)), "the penalty is *subtracted* from what the expert ascends: "
             "its step on psi gets -gamma * psi, which pulls its slope back towards 0, not +gamma * psi"),
            (np.array(mistaken(penalty_factor=0.5)), "the slope of (gamma / 2) psi^2 is gamma * psi, not "
             "gamma * psi / 2"),
            (np.array(mistaken(penalty_factor=2.0)), "the slope of (gamma / 2) psi^2 is gamma * psi, not "
             "2 gamma * psi"),
            (np.array(mistaken(on_forger=True)), "the penalty is on the *expert's* slope at the real data "
             "(psi); the forger's step is the chapter's, unchanged"),
            (np.array(mistaken(alternating=True)), "a simultaneous step: the forger's step uses the old psi, "
             "not the expert's new one"),
            (np.array(mistaken(f_prime=lambda t: 1.0 / (1.0 + math.exp(-t)))),
             "f'(t) = 1 / (1 + e^t) = sigmoid(-t), not sigmoid(t)"),
        ])
    distances = {}
    for gamma in (0.0, 1.0):
        theta, psi = 1.0, 1.0
        for _ in range(500):
            step = numbers(call(dirac_step_penalized, theta, psi, 0.2, gamma), "step")
            theta, psi = (float(value) for value in step)
        distances[gamma] = math.hypot(theta, psi)
    if not distances[1.0] < 0.1 * math.sqrt(2):
        raise WrongAnswer(f"500 of your steps with gamma = 1 from (1, 1) ended {distances[1.0]:.2f} from the "
                          "equilibrium; the penalty should pull the players in")
    return (f"from (1, 1), 500 simultaneous steps at learning rate 0.2 ended {distances[0.0]:.2f} from the "
            f"equilibrium without the penalty and {distances[1.0]:.1e} with gamma = 1: damping the expert's slope "
            "turns the outward spiral into an inward one")


#: The chapter's learning rate for the Dirac GAN, against which exercise 05.4's experiment compares.
CHAPTER_DIRAC_LEARNING_RATE = 0.2
#: Outcomes the learner may predict in exercise 05.4: how far from the equilibrium the players end.
OUTCOMES = ("closer", "about the same", "farther")


def _why(learning_rate: float, outcome: str) -> str:
    smaller = learning_rate < CHAPTER_DIRAC_LEARNING_RATE
    if outcome == "about the same":
        return ("the outward drift per unit of training grows with the step, but this change was too small to show "
                "in so short a game; try a factor of 10")
    if smaller:
        return ("a gradient step follows the tangent of the circle that infinitely small steps would trace, and a "
                "tangent always leads outside its circle: each simultaneous step multiplies the distance by about "
                "sqrt(1 + (learning rate / 2)^2), so smaller steps drift out less for the same amount of training. "
                "Less, not never: simultaneous steps still spiral out, only slower")
    return ("a gradient step follows the tangent of the circle that infinitely small steps would trace, and a tangent "
            "always leads outside its circle: each simultaneous step multiplies the distance by about "
            "sqrt(1 + (learning rate / 2)^2), so larger steps drift out faster for the same amount of training")


def _read_learning_rate(learning_rate) -> float:
    learning_rate = one_number(learning_rate, "learning_rate")
    if not 1e-3 <= learning_rate <= 2.0:
        raise WrongAnswer(f"choose a learning rate between 0.001 and 2 (at 0.001 the game is already 100,000 "
                          f"steps); got {learning_rate:g}")
    return expect_changed("learning_rate", learning_rate, CHAPTER_DIRAC_LEARNING_RATE, 3)


def _measured(learning_rate: float, baseline: float, changed: float, outcome: str) -> str:
    return (f"with a learning rate of {learning_rate:g} the players ended {changed:.2f} from the equilibrium, "
            f"against {baseline:.2f} at {CHAPTER_DIRAC_LEARNING_RATE:g} (they started 1.41 away): {outcome}")


@exercise("05.4", "an experiment: predict, then measure, what the learning rate does to the Dirac GAN's spiral")
def _check_dirac_learning_rate_experiment(answer) -> str:
    return experiment(
        answer, names=("learning_rate", "prediction", "dirac_game"), read=_read_learning_rate,
        chapter_value=CHAPTER_DIRAC_LEARNING_RATE, outcomes=OUTCOMES, rises="farther", falls="closer",
        returns="a positive distance",
        valid=lambda baseline, changed: baseline > 0 and changed > 0, measured=_measured, why=_why)
