"""The machinery of the exercises: the registry, `check` and its verdicts, and helpers for the checks.

Each chapter's checks live in ``ganlib/exercises/chapter_NN.py`` and register themselves with
`exercise`; `ganlib.exercises` imports them all. The experiments that end most chapters (change one
setting, predict, measure) share `experiment`. Explained in chapter 00 (how to run the course).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import keras
import numpy as np

#: Plain-words prefix of the message printed for an unfilled gap.
NOT_DONE = "not done yet"


class WrongAnswer(AssertionError):
    """Raised by `check` for a wrong answer; its message says what is wrong."""


class NotDone(Exception):
    """Internal: the answer (or what it returned) is still the gap ``...``."""


@dataclasses.dataclass(frozen=True)
class Exercise:
    """One exercise: its id ``"NN.k"``, the task in one line, and the function that checks an answer."""

    exercise_id: str
    task: str
    checker: Callable[[object], str]

    @property
    def chapter(self) -> str:
        return self.exercise_id.split(".")[0]


EXERCISES: dict[str, Exercise] = {}
_solved: set[str] = set()


def exercise(exercise_id: str, task: str):
    def register(checker):
        if exercise_id in EXERCISES:
            raise ValueError(f"exercise {exercise_id} is defined twice")
        EXERCISES[exercise_id] = Exercise(exercise_id, task, checker)
        return checker

    return register


def _find(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise ValueError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(EXERCISES))}")
    return EXERCISES[exercise_id]


def chapter_exercises(chapter: str) -> list[str]:
    """The ids of a chapter's exercises (``chapter`` as ``"03"``), in order."""
    return sorted(exercise_id for exercise_id in EXERCISES if exercise_id.split(".")[0] == chapter)


def check(exercise_id: str, answer) -> None:
    """Check ``answer`` to exercise ``exercise_id``: print "not done yet" or "correct", or raise `WrongAnswer`.

    It returns nothing, so a notebook cell that ends with it shows only the printed verdict; `is_solved`
    says whether an exercise was checked correct in this session.
    """
    exercise = _find(exercise_id)
    try:
        not_done_if_gap(answer)
        verdict = exercise.checker(answer)
    except NotDone:
        print(f"{NOT_DONE}: exercise {exercise_id} ({exercise.task}). Fill in the `...` and run the cell again.")
        return
    except WrongAnswer as error:
        raise WrongAnswer(f"exercise {exercise_id} is not right yet: {error}") from None
    _solved.add(exercise_id)
    print(f"correct: exercise {exercise_id}, {verdict}")


def is_solved(exercise_id: str) -> bool:
    """Whether `check` found a right answer to ``exercise_id`` in this session."""
    _find(exercise_id)
    return exercise_id in _solved


def progress(chapter: str) -> None:
    """Print how many of ``chapter``'s exercises were checked correct in this session, and which are left."""
    ids = chapter_exercises(chapter)
    done = [exercise_id for exercise_id in ids if exercise_id in _solved]
    left = [exercise_id for exercise_id in ids if exercise_id not in _solved]
    print(f"chapter {chapter}: {len(done)} of {len(ids)} exercises solved"
          + (f"; still to do: {', '.join(left)}" if left else ""))


def require_all(chapter: str) -> None:
    """Raise `WrongAnswer` unless every exercise of ``chapter`` was checked correct in this session."""
    ids = chapter_exercises(chapter)
    if not ids:
        raise ValueError(f"chapter {chapter!r} has no exercises in ganlib.exercises")
    left = [exercise_id for exercise_id in ids if exercise_id not in _solved]
    if left:
        raise WrongAnswer(f"chapter {chapter}: exercises {', '.join(left)} were not checked correct in this session")
    print(f"chapter {chapter}: all {len(ids)} exercises solved")


# ------------------------------------------------------------------------------- helpers
def not_done_if_gap(value) -> None:
    if value is Ellipsis or (isinstance(value, (tuple, list)) and any(item is Ellipsis for item in value)):
        raise NotDone


def call(function, *args):
    """Call the learner's function; a result that is still ``...`` means the gap is not filled."""
    if not callable(function):
        raise WrongAnswer(f"expected a function; got {type(function).__name__}")
    result = function(*args)
    not_done_if_gap(result)
    return result


def numbers(value, what: str) -> np.ndarray:
    """The learner's result as a float64 NumPy array (NumPy, TensorFlow or Keras values all work)."""
    try:
        array = np.asarray(keras.ops.convert_to_numpy(value), dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise WrongAnswer(f"{what} should be numbers; got {type(value).__name__} ({error})") from None
    return array


def expect_shape(array: np.ndarray, shape: tuple, what: str, hint: str = "") -> None:
    if array.shape != tuple(shape):
        raise WrongAnswer(f"{what} should have shape {tuple(shape)}; got {array.shape}. {hint}".strip())


def expect_finite(array: np.ndarray, what: str, hint: str = "") -> None:
    if not np.all(np.isfinite(array)):
        raise WrongAnswer(f"{what} has infinite or NaN values: {array[~np.isfinite(array)][:3]}. {hint}".strip())


def matches(got: np.ndarray, expected: np.ndarray, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=atol))


def expect_close(got: np.ndarray, expected: np.ndarray, what: str, mistakes=(), rtol=1e-4, atol=1e-5) -> None:
    """Raise unless ``got`` matches ``expected``; ``mistakes`` are (wrong value, explanation) pairs to recognize."""
    if matches(got, expected, rtol, atol):
        return
    for wrong, explanation in mistakes:
        if matches(got, np.asarray(wrong, dtype=np.float64), rtol, atol):
            raise WrongAnswer(f"{what}: {explanation}")
    where = np.argmax(np.abs(got - expected)) if got.shape == expected.shape else None
    detail = (f" (at position {where}: expected {expected.ravel()[where]:.6g}, got {got.ravel()[where]:.6g})"
              if where is not None else "")
    raise WrongAnswer(f"{what} does not match the reference{detail}")


def softplus(x):
    return np.logaddexp(0.0, x)


# ------------------------------------------------------------------------------- experiments
#: The middle outcome of every experiment: the measurement did not change clearly.
ABOUT_THE_SAME = "about the same"
#: An experiment's measurement changed clearly when it became more than this many times larger or smaller.
CLEAR_RATIO = 1.5


def one_number(value, what: str) -> float:
    """The learner's result as one float; an array of another size is a `WrongAnswer`."""
    array = numbers(value, what)
    if array.size != 1:
        raise WrongAnswer(f"return one number, {what}; got shape {array.shape}")
    return float(array.ravel()[0])


def positive_number(value, name: str) -> float:
    """An experiment's setting that must be a number above 0 (a spread, a learning rate)."""
    number = one_number(value, name)
    if not number > 0:
        raise WrongAnswer(f"{name} should be a positive number; got {number:g}")
    return number


def whole_number(value, name: str, low: int, high: int | None = None, note: str = "") -> int:
    """An experiment's setting that must be a whole number from ``low`` to ``high`` (no limit if None)."""
    number = one_number(value, name)
    if not number.is_integer() or number < low or (high is not None and number > high):
        limits = f"{low} or more" if high is None else f"at least {low} and at most {high}"
        raise WrongAnswer(f"{name} should be a whole number, {limits}{note}; got {value!r}")
    return int(number)


def expect_changed(name: str, value, chapter_value, factor: float, hint: str = ""):
    """Return an experiment's setting, unless it is within ``factor`` of the chapter's value (up or down)."""
    if max(value, chapter_value) / min(value, chapter_value) < factor - 1e-9:
        raise WrongAnswer(f"{name} = {value:g} is within a factor of {factor:g} of the chapter's {chapter_value:g}: "
                          f"the setting was not really changed; make it at least {factor:g} times smaller or larger"
                          f"{hint}")
    return value


def clear_change(baseline: float, changed: float, *, rises: str, falls: str, difference: float | None = None) -> str:
    """``rises`` if ``changed`` is clearly above ``baseline``, ``falls`` if clearly below, else `ABOUT_THE_SAME`.

    Clearly: more than `CLEAR_RATIO` times larger or smaller; for a measure on a fixed scale (a
    probability, an AUC), more than ``difference`` above or below instead.
    """
    if difference is None:
        above, below = changed > CLEAR_RATIO * baseline, changed < baseline / CLEAR_RATIO
    else:
        above, below = changed > baseline + difference, changed < baseline - difference
    return rises if above else falls if below else ABOUT_THE_SAME


def prediction_verdict(prediction: str, outcome: str, measured: str, why: str) -> str:
    """An experiment's verdict: `check`'s "correct" text if the prediction held, else a `WrongAnswer`."""
    if prediction != outcome:
        raise WrongAnswer(f"you predicted {prediction!r}, but {measured}. Why: {why}. "
                          "Write down what you expect now, and why, before you move on")
    return f"your prediction held: {measured}. Why: {why}"


def experiment(answer, *, names: tuple[str, str, str], read: Callable, chapter_value, outcomes: tuple[str, ...],
               rises: str, falls: str, returns: str, valid: Callable[[float, float], bool],
               measured: Callable[..., str], why: Callable[..., str], difference: float | None = None,
               scale: Callable[[float], float] | None = None) -> str:
    """Check an experiment: the learner changes one setting of the chapter, predicts the outcome, then measures it.

    ``answer`` is the tuple that ``names`` spells: the setting, the prediction (one of ``outcomes``) and
    the learner's function that measures a game at a setting. ``read(setting)`` returns the setting's
    value, or raises `WrongAnswer` when it is not one or too close to ``chapter_value`` (`expect_changed`).
    The function runs at ``chapter_value``, then at the setting; ``valid(baseline, changed)`` says whether
    its two finite results are what it should return (``returns``, in words). The outcome is
    `clear_change` (``rises``, ``falls``, ``difference``) of the two results, or of
    ``scale`` of them. The verdict, `prediction_verdict`, says ``measured(setting, baseline, changed,
    outcome)`` and ``why(setting, outcome)``.
    """
    if set(outcomes) != {rises, ABOUT_THE_SAME, falls}:
        raise ValueError(f"outcomes should be {rises!r}, {ABOUT_THE_SAME!r} and {falls!r}; got {outcomes}")
    if not isinstance(answer, (tuple, list)) or len(answer) != 3:
        raise WrongAnswer(f"pass the tuple ({', '.join(names)})")
    setting, prediction, measure = answer
    setting = read(setting)
    if prediction not in outcomes:
        raise WrongAnswer(f"the prediction should be one of {outcomes}; got {prediction!r}")
    baseline = one_number(call(measure, chapter_value), f"{names[2]}'s result")
    changed = one_number(call(measure, setting), f"{names[2]}'s result")
    if not (math.isfinite(baseline) and math.isfinite(changed) and valid(baseline, changed)):
        raise WrongAnswer(f"{names[2]} should return {returns}; got {baseline} and {changed}")
    compared = (baseline, changed) if scale is None else (scale(baseline), scale(changed))
    outcome = clear_change(*compared, rises=rises, falls=falls, difference=difference)
    return prediction_verdict(prediction, outcome, measured(setting, baseline, changed, outcome), why(setting, outcome))
