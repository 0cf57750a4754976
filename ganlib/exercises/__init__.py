"""Self-checks for the exercises that end every chapter: the workshop kit, the same for all chapters.

A chapter's exercise cell holds a gap (``...``) for the learner to fill, then calls
``exercises.check("NN.k", answer)``. The contract of `check`:

- **Not done yet.** ``answer`` is the gap itself (``...``), or a function that still returns
  ``...``: it prints ``not done yet: <the task>``. It never raises, so a
  chapter whose gaps are empty runs top to bottom (``make test`` runs every chapter that way).
- **Right.** It prints ``correct: <what was checked>`` and records the exercise as solved in this
  Python session (`is_solved`).
- **Wrong.** It raises `WrongAnswer` (an ``AssertionError``) that says, in plain words, what is
  wrong and, for the usual mistakes, why. The solution notebooks (``notebooks/solutions/``) run
  in CI, so a solution that stops passing its own check fails the tests.

`progress` prints how many exercises of a chapter are solved; `require_all` (the last cell of each
solution notebook) raises unless all of them are. Every check compares the answer with a
reference computed here, independently of the rest of ``ganlib`` (NumPy or SciPy formulas written
out again), on inputs where the usual mistakes give different numbers.

Explained in chapter 00 (how to run the course); the exercises themselves are in every chapter.
"""

import importlib
import pkgutil

from ganlib.exercises.core import (
    EXERCISES,
    NOT_DONE,
    Exercise,
    WrongAnswer,
    chapter_exercises,
    check,
    is_solved,
    progress,
    require_all,
)

# every chapter's checks register themselves when their module is imported
for _module in pkgutil.iter_modules(__path__):
    if _module.name.startswith("chapter_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["EXERCISES", "NOT_DONE", "Exercise", "WrongAnswer", "chapter_exercises", "check", "is_solved", "progress",
           "require_all"]
