"""Chapter 07's new exercises: the solutions pass, an empty gap is "not done yet", and the usual mistakes are named.

Exercises 07.1 to 07.3 are tested in tests/test_exercises.py.
"""

import pytest
from exercise_harness import assert_check_contract, solved_names


def _precision_up_when_k_grows(k):
    return 0.02 if k <= 3 else 0.5


WRONG = {
    "07.4": [((5, "higher", _precision_up_when_k_grows), "factor of 3"),
             ((3.0, "higher", _precision_up_when_k_grows), "whole number"),
             ((100, "more", _precision_up_when_k_grows), "one of"),
             ((100, "about the same", _precision_up_when_k_grows), "you predicted 'about the same'"),
             ((100, "lower", _precision_up_when_k_grows), "bridge the gaps"),
             ((30, "lower", _precision_up_when_k_grows), "swells into the gaps"),
             ((1, "higher", lambda k: 0.02 if k == 3 else 0.005), "ball shrinks"),
             ((30, "higher", lambda k: 2.0), "between 0 and 1")],
}


@pytest.fixture(scope="module")
def solved():
    return solved_names("07")


def _answer(solved, exercise_id):
    return solved["k"], solved["prediction"], solved["blur_precision"]


@pytest.mark.parametrize("exercise_id", sorted(WRONG))
def test_solution_passes_gap_is_not_done_and_mistakes_are_named(exercise_id, solved, capsys, monkeypatch):
    gap = (..., ..., _precision_up_when_k_grows)
    assert_check_contract(exercise_id, _answer(solved, exercise_id), WRONG[exercise_id], capsys, monkeypatch, gap=gap)
