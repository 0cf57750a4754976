"""ganlib: the shared code of the forger-and-expert GAN course.

Each module holds what more than one chapter needs; its docstrings name the chapter that
explains it. Start with `ganlib.GAN` (chapter 03).
"""

from ganlib import (
    callbacks,
    data,
    distribute,
    exercises,
    health,
    layers,
    losses,
    metrics,
    models,
    plots,
    recipes,
    runtime,
)
from ganlib.gan import GAN

__version__ = "0.1.0"
__all__ = [
    "GAN", "callbacks", "data", "distribute", "exercises", "health", "layers", "losses", "metrics", "models", "plots",
    "recipes", "runtime",
]
