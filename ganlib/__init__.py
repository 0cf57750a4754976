"""ganlib: the shared code of the forger-and-expert GAN course.

Each module holds what more than one chapter needs; its docstrings name the chapter that
explains it. Start with `ganlib.GAN` (chapter 03).

``import ganlib`` imports TensorFlow first, without the native start-up notices that
TensorFlow 2.18 and later write whatever ``TF_CPP_MIN_LOG_LEVEL`` says (see `ganlib._quiet`);
so a chapter's setup cell imports ganlib before anything else (chapter 00).
"""

from ganlib import _quiet

_quiet.import_tensorflow()  # before any module below (or keras) imports TensorFlow

from ganlib import (  # noqa: E402
    callbacks,
    checks,
    data,
    distribute,
    exercises,
    gallery,
    health,
    layers,
    losses,
    metrics,
    models,
    modes,
    paintings,
    plots,
    recipes,
    runtime,
)
from ganlib.gan import GAN  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "GAN", "callbacks", "checks", "data", "distribute", "exercises", "gallery", "health", "layers", "losses",
    "metrics", "models", "modes", "paintings", "plots", "recipes", "runtime",
]
