"""Checks for the exercises of chapter 05: when the game goes wrong."""

from __future__ import annotations

import functools
import math

import numpy as np

from ganlib.exercises.core import WrongAnswer, call, exercise, expect_close, expect_finite, expect_shape, numbers


def _one_number(value, what: str) -> float:
    array = numbers(value, what)
    if array.size != 1:
        raise WrongAnswer(f"return one number, {what}; got shape {array.shape}")
    return float(array.ravel()[0])


def _kl_to_uniform(counts: np.ndarray) -> float:
    shares = counts / counts.sum()
    full = shares > 0
    return float(np.sum(shares[full] * np.log(shares[full] * len(counts))))


@exercise("05.1", "the reverse KL of a mode histogram against equal shares")
def _check_reverse_kl(reverse_kl) -> str:
    # no empty mode first, so that the usual mistakes give finite, different numbers
    counts = np.array([400, 90, 260, 35, 610, 150, 5, 220])
    got = _one_number(call(reverse_kl, counts.copy()), "the reverse KL")
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
    got_empty = _one_number(got_empty, "the reverse KL")
    if not math.isclose(got_empty, _kl_to_uniform(with_empty), rel_tol=1e-4):
        raise WrongAnswer(f"with empty modes it gave {got_empty:.4f}; expected {_kl_to_uniform(with_empty):.4f}. "
                          "An empty mode adds 0 to the sum, and K still counts it")

    collapsed = np.zeros(8, dtype=int)
    collapsed[3] = 2500
    got_collapsed = _one_number(call(reverse_kl, collapsed), "the reverse KL")
    if not math.isclose(got_collapsed, math.log(8), rel_tol=1e-4):
        raise WrongAnswer(f"a forger that paints only one of 8 modes should score log 8 = {math.log(8):.4f}; "
                          f"got {got_collapsed:.4f}")

    grid = np.random.default_rng(5).integers(0, 200, size=25)
    grid[[2, 11]] = 0
    got_grid = _one_number(call(reverse_kl, grid.copy()), "the reverse KL")
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


def _dirac_step(theta, psi, learning_rate, alternating, *, expert_sign=1.0, forger_sign=-1.0,
                forger_first=False, f_prime=_f_prime):
    """One step of the Dirac GAN; the keyword arguments make the usual mistakes, to recognize them."""
    if forger_first:
        theta_new = theta + forger_sign * learning_rate * f_prime(psi * theta) * psi
        theta_for_expert = theta_new if alternating else theta
        psi = psi + expert_sign * learning_rate * f_prime(psi * theta_for_expert) * theta_for_expert
        return theta_new, psi
    psi_new = psi + expert_sign * learning_rate * f_prime(psi * theta) * theta
    psi_for_forger = psi_new if alternating else psi
    theta = theta + forger_sign * learning_rate * f_prime(psi_for_forger * theta) * psi_for_forger
    return theta, psi_new


@exercise("05.3", "one simultaneous or alternating gradient step of the Dirac GAN")
def _check_dirac_step(dirac_step) -> str:
    starts = [(0.7, -1.3, 0.3), (1.0, 1.0, 0.2), (-1.5, 0.4, 0.5), (2.0, 0.9, 0.1)]
    for alternating in (False, True):
        mode = "alternating" if alternating else "simultaneous"
        for theta, psi, learning_rate in starts:
            got = numbers(call(dirac_step, theta, psi, learning_rate, alternating), "the new (theta, psi)")
            expect_shape(got, (2,), "the new (theta, psi)", "return the pair (theta, psi) after the step")
            expected = np.array(_dirac_step(theta, psi, learning_rate, alternating))
            mistaken = functools.partial(_dirac_step, theta, psi, learning_rate, alternating=alternating)
            first = "the expert moves first, then the forger (as ganlib.GAN trains them)"
            expect_close(got, expected, f"a {mode} step from theta = {theta}, psi = {psi}", mistakes=[
                (np.array(mistaken(alternating=not alternating)),
                 "in alternating steps the forger answers the *updated* expert (its new psi); in simultaneous "
                 "steps both players use the old values" if alternating else
                 "in simultaneous steps both players use the old values: the forger's step uses the old psi"),
                (np.array(mistaken(forger_sign=1.0)), "the forger *descends* V (theta minus the step); the expert "
                 "ascends it"),
                (np.array(mistaken(expert_sign=-1.0)), "the expert *ascends* V (psi plus the step); the forger "
                 "descends it"),
                (np.array(mistaken(forger_first=True)), first),
                (np.array(mistaken(forger_first=True, alternating=True)), first),
                (np.array(mistaken(f_prime=lambda t: 1.0 / (1.0 + math.exp(-t)))),
                 "f'(t) = 1 / (1 + e^t) = sigmoid(-t), not sigmoid(t)"),
                (np.array(mistaken(f_prime=lambda t: 1.0)), "the slope of f(psi * theta) is f'(psi * theta) times "
                 "theta (for psi) or psi (for theta): keep the factor f'"),
            ])
    distances = {}
    for alternating in (False, True):
        theta, psi = 1.0, 1.0
        for _ in range(300):
            theta, psi = (float(value) for value in numbers(call(dirac_step, theta, psi, 0.2, alternating), "step"))
        distances[alternating] = math.hypot(theta, psi)
    return (f"both kinds of step; from (1, 1), 300 of your steps took the players from {math.sqrt(2):.2f} to "
            f"{distances[False]:.2f} (simultaneous) and {distances[True]:.2f} (alternating) from the equilibrium")
