"""Chapter 01's experiment, exercise 01.4: the solution passes, an empty gap is "not done yet", the usual
mistakes are named, and a prediction the measurement contradicts is refused with what was measured."""

import pytest
from exercise_harness import assert_check_contract, solved_names


def _accuracy_falls_when_wider(fake_std):
    """A fake, instant expert_accuracy: 97 % at the chapter's spread, better when narrower, worse when wider."""
    if fake_std == 0.5:
        return 0.97
    return 0.999 if fake_std < 0.5 else 0.77


WRONG = {
    "01.4": [((0.8, "lower", _accuracy_falls_when_wider), "not really changed"),
             ((-1.5, "lower", _accuracy_falls_when_wider), "positive number"),
             ((1.5, "worse", _accuracy_falls_when_wider), "one of"),
             ((1.5, "higher", _accuracy_falls_when_wider), "you predicted 'higher'"),
             ((0.1, "lower", _accuracy_falls_when_wider), "overlap less"),
             ((5.0, "about the same", _accuracy_falls_when_wider), "no expert can tell them apart"),
             ((1.5, "lower", lambda fake_std: 97.0), "between 0 and 1")],
}


@pytest.fixture(scope="module")
def solved():
    return solved_names("01")


def test_experiment_contract(solved, capsys, monkeypatch):
    """The solution's own game runs twice here (seconds in fast mode)."""
    answer = (solved["fake_std"], solved["prediction"], solved["expert_accuracy"])
    assert_check_contract("01.4", answer, WRONG["01.4"], capsys, monkeypatch,
                          gap=(..., ..., _accuracy_falls_when_wider))
