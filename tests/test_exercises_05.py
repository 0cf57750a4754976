"""Chapter 05's exercises: the solutions pass, an empty gap is "not done yet", and the usual mistakes are named."""

import math

import numpy as np
import pytest
from exercise_harness import assert_check_contract, solved_names


def _shares(counts):
    return counts / counts.sum()


def _kl(counts, num_modes=None):
    shares = _shares(counts)
    shares = shares[shares > 0]
    return float(np.sum(shares * np.log(shares * (num_modes or len(counts)))))


@np.errstate(all="ignore")
def _kl_without_empty_modes_rule(counts):
    shares = _shares(counts)
    return float(np.sum(shares * np.log(shares * len(counts))))


def _sigmoid(logits):
    return 1.0 / (1.0 + np.exp(-logits))


def _f_prime(t):
    return 1.0 / (1.0 + np.exp(t))


def _dirac(alternating_rule=None, forger_sign=-1.0, expert_sign=1.0, forger_first=False, f_prime=_f_prime):
    """A Dirac GAN step with one mistake in it."""
    def step(theta, psi, learning_rate, alternating):
        alternating = alternating if alternating_rule is None else alternating_rule
        if forger_first:
            new_theta = theta + forger_sign * learning_rate * f_prime(psi * theta) * psi
            return new_theta, psi + expert_sign * learning_rate * f_prime(psi * new_theta) * new_theta
        new_psi = psi + expert_sign * learning_rate * f_prime(psi * theta) * theta
        forger_psi = new_psi if alternating else psi
        return theta + forger_sign * learning_rate * f_prime(forger_psi * theta) * forger_psi, new_psi
    return step


WRONG = {
    "05.1": [(lambda c: float(np.sum(np.log((1 / len(c)) / _shares(c))) / len(c)), "wrong way round"),
             (lambda c: _kl(c) / math.log(2), "bits"),
             (lambda c: -_kl(c), "sign is flipped"),
             (lambda c: float(np.sum(c * np.log(_shares(c) * len(c)))), "counts weigh the logs"),
             (lambda c: float(np.sum(_shares(c) * np.log(c * len(c)))), "not the counts"),
             (_kl_without_empty_modes_rule, "0 * log 0"),
             (lambda c: _kl(c, num_modes=8), "K = len(counts)")],
    "05.2": [(lambda logits: (_sigmoid(logits) - 1, -_sigmoid(logits)), "swapped"),
             (lambda logits: (_sigmoid(logits), 1 - _sigmoid(logits)), "signs are flipped"),
             (lambda logits: (-1 / (1 - _sigmoid(logits)), -1 / _sigmoid(logits)), "with respect to D"),
             (lambda logits: (-_sigmoid(logits), -_sigmoid(logits)), "both are the minimax slope"),
             (lambda logits: (_sigmoid(logits) - 1, _sigmoid(logits) - 1), "both are the non-saturating slope")],
    "05.3": [(_dirac(alternating_rule=False), "*updated* expert"),
             (_dirac(alternating_rule=True), "both players use the old values"),
             (_dirac(forger_sign=1.0), "forger *descends*"),
             (_dirac(expert_sign=-1.0), "expert *ascends*"),
             (_dirac(forger_first=True), "expert moves first"),
             (_dirac(f_prime=_sigmoid), "not sigmoid(t)"),
             (_dirac(f_prime=lambda t: 1.0), "keep the factor f'")],
}
ANSWERS = {"05.1": "reverse_kl", "05.2": "forger_slopes", "05.3": "dirac_step"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("05")


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    assert_check_contract(exercise_id, solved[ANSWERS[exercise_id]], WRONG[exercise_id], capsys, monkeypatch)
