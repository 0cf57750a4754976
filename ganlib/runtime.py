"""Course-wide run settings: fast mode and seeds.

Fast mode (``GANLIB_FAST=1``, set by ``make test``) runs every chapter's code on fewer
steps: the same cells run, and no cell is skipped. A few claims hold only at a chapter's full
length; their assertions use a bound measured at the fast length or run in full mode only, and
the README ("What CI proves") lists them. ``make verify`` runs every chapter in full.
Explained in chapter 00.
"""

from __future__ import annotations

import os

import keras


def fast_mode() -> bool:
    """True when the environment asks for fast mode (``GANLIB_FAST`` set to 1, true or yes)."""
    value = os.environ.get("GANLIB_FAST", "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"GANLIB_FAST must be 1/true/yes or 0/false/no; got {value!r}")


def steps(full: int, fast: int) -> int:
    """``full`` in a full run, ``fast`` in fast mode: the one knob fast mode turns."""
    if not (isinstance(full, int) and isinstance(fast, int)) or not 1 <= fast <= full:
        raise ValueError(f"expected integers with 1 <= fast <= full; got full={full!r}, fast={fast!r}")
    return fast if fast_mode() else full


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow/Keras at once, so a run gives the same numbers twice."""
    keras.utils.set_random_seed(seed)
