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
reference computed here, on inputs where the usual mistakes give different numbers. The references
are NumPy or SciPy formulas written out again, independently of the rest of ``ganlib``, so that a
mistake in ganlib cannot make a wrong answer pass. Five checks take from ganlib what is the course's
own, not the answer's:

- 00.2 compares the learner's density of the 1-D mixture with `ganlib.data.mixture_1d_density`, the
  density the course samples its real numbers from, and 01.2 and 01.4 take the real numbers' density
  from it: the answer must be the density of the data the chapters use, whatever that is.
- 03.2 builds the two small players with `ganlib.models` (the learner writes the step, not the players).
- 04.4 plays the chapter's game with `ganlib.models.dcgan_generator`, the recipe's forger, and
  `ganlib.GAN`, the game the learner trains.
- 06.4 takes the schedules the learner may choose from `ganlib.recipes.LEARNING_RATE_DECAYS`.
- 12.1 builds its made-up paintings with the course's painter, `ganlib.paintings.paint`, and 12.3
  trains chapter 12's recipe through `ganlib.gallery.train_paintings`.

Most chapters end with an experiment (change one setting, predict the outcome, measure it): those
checks share `ganlib.exercises.core.experiment`.

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
