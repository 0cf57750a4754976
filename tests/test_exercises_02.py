"""Chapter 02's experiment, exercise 02.4: the solution passes, an empty gap is "not done yet", the usual
mistakes are named, and a prediction the measurement contradicts is refused with what was measured."""

import pytest
from exercise_harness import assert_check_contract, solved_names


def _fooled_less_when_slower(forger_learning_rate):
    """A fake, instant `fooled`: 0.85 at the chapter's pace and faster, 0.65 when ten times slower or more."""
    return 0.65 if forger_learning_rate < 1e-3 else 0.85


WRONG = {
    "02.4": [((2e-3, "lower", _fooled_less_when_slower), "not really changed"),
             ((0.0, "lower", _fooled_less_when_slower), "positive number"),
             ((1e-4, "less", _fooled_less_when_slower), "one of"),
             ((1e-4, "higher", _fooled_less_when_slower), "you predicted 'higher'"),
             ((1e-2, "higher", _fooled_less_when_slower), "ceiling"),
             ((1e-5, "about the same", _fooled_less_when_slower), "small step at a time"),
             ((1e-4, "lower", lambda forger_learning_rate: -2.0), "between 0 and 1")],
}


@pytest.fixture(scope="module")
def solved():
    return solved_names("02")


def test_experiment_contract(solved, capsys, monkeypatch):
    """The solution's own games run twice here (seconds in fast mode)."""
    answer = (solved["forger_learning_rate"], solved["prediction"], solved["fooled"])
    assert_check_contract("02.4", answer, WRONG["02.4"], capsys, monkeypatch,
                          gap=(..., ..., _fooled_less_when_slower))
