"""Shared by the exercise tests: the names the solution notebooks define, and the checks' contract.

Each ``tests/test_exercises*.py`` file defines ``WRONG`` (exercise id -> wrong answers, each with a
phrase its message must contain) and ``ANSWERS`` (exercise id -> the solution's name), and runs
`assert_check_contract` for each of its exercises; `test_exercises.py` proves that every exercise in
``ganlib.exercises`` is covered by exactly one file.
"""

import pathlib

import keras
import nbformat
import numpy as np
import tensorflow as tf

from ganlib import exercises

SOLUTIONS = pathlib.Path(__file__).resolve().parent.parent / "notebooks" / "solutions"


def solved_names(chapter: str | None = None) -> dict:
    """The names the solution notebooks define (their exercise cells, run here without the notebook)."""
    namespace = {"np": np, "keras": keras, "tf": tf}
    for path in sorted(SOLUTIONS.glob(f"{chapter or ''}*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code" and "kit-exercises" in cell.metadata.get("tags", []):
                exec(cell.source, namespace)
    return namespace


def assert_check_contract(exercise_id, answer, wrong_answers, capsys, monkeypatch, gap=None):
    """The gap is "not done yet", the solution is "correct", and each wrong answer is named in plain words.

    ``gap`` is what an unfilled cell hands to the check: a function returning ``...`` by default.
    """
    monkeypatch.setattr(exercises.core, "_solved", set())
    gap = (lambda *args: ...) if gap is None else gap
    assert exercises.check(exercise_id, gap) is None and not exercises.is_solved(exercise_id)
    assert f"not done yet: exercise {exercise_id}" in capsys.readouterr().out

    exercises.check(exercise_id, answer)
    assert exercises.is_solved(exercise_id)
    assert f"correct: exercise {exercise_id}" in capsys.readouterr().out

    assert wrong_answers, f"exercise {exercise_id} needs at least one wrong answer to test"
    for wrong, phrase in wrong_answers:
        try:
            exercises.check(exercise_id, wrong)
        except exercises.WrongAnswer as caught:
            message = str(caught)
        else:
            raise AssertionError(f"exercise {exercise_id} accepted a wrong answer meant to say {phrase!r}")
        assert f"exercise {exercise_id} is not right yet" in message, message
        assert phrase in message, (phrase, message)
