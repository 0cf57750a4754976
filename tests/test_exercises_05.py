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


def _penalized(penalty=-1.0, on_forger=False, alternating=False, f_prime=_f_prime):
    """A simultaneous Dirac GAN step with the R1 penalty and one mistake in it."""
    def step(theta, psi, learning_rate, gamma):
        expert_term = 0.0 if on_forger else penalty * gamma * psi
        new_psi = psi + learning_rate * (f_prime(psi * theta) * theta + expert_term)
        forger_psi = new_psi if alternating else psi
        forger_term = gamma * theta if on_forger else 0.0
        return theta - learning_rate * (f_prime(forger_psi * theta) * forger_psi + forger_term), new_psi
    return step


def _dirac_game_far_when_changed(learning_rate):
    return 2.0 if learning_rate == 0.2 else 6.0


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
    "05.3": [(_penalized(penalty=0.0), "gamma changed nothing"),
             (_penalized(penalty=1.0), "*subtracted*"),
             (_penalized(penalty=-0.5), "not gamma * psi / 2"),
             (_penalized(penalty=-2.0), "not 2 gamma * psi"),
             (_penalized(on_forger=True), "*expert's* slope"),
             (_penalized(alternating=True), "uses the old psi"),
             (_penalized(f_prime=_sigmoid), "not sigmoid(t)")],
    "05.4": [((0.3, "farther", _dirac_game_far_when_changed), "factor of 3"),
             ((1e-5, "closer", _dirac_game_far_when_changed), "between 0.001 and 2"),
             ((0.02, "nearer", _dirac_game_far_when_changed), "one of"),
             ((0.02, "closer", _dirac_game_far_when_changed), "you predicted 'closer'"),
             ((1.0, "about the same", _dirac_game_far_when_changed), "larger steps drift out faster"),
             ((0.02, "farther", lambda learning_rate: 2.0 if learning_rate == 0.2 else 1.0), "drift out less"),
             ((0.02, "closer", lambda learning_rate: -1.0), "positive distance")],
}
ANSWERS = {"05.1": "reverse_kl", "05.2": "forger_slopes", "05.3": "dirac_step_penalized"}


@pytest.fixture(scope="module")
def solved():
    return solved_names("05")


def _answer(solved, exercise_id):
    if exercise_id == "05.4":  # an experiment: the learner's setting, prediction and game
        return solved["learning_rate"], solved["prediction"], solved["dirac_game"]
    return solved[ANSWERS[exercise_id]]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = (..., ..., _dirac_game_far_when_changed) if exercise_id == "05.4" else None
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)
