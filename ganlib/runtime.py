"""Course-wide run settings: fast mode, seeds and the arithmetic precision of the players.

Fast mode (``GANLIB_FAST=1``, set by ``make test``) runs every chapter's code on fewer
steps: the same cells run, and no cell is skipped. A few claims hold only at a chapter's full
length; their assertions use a bound measured at the fast length or run in full mode only, and
the README ("What CI proves") lists them. ``make verify`` runs every chapter in full.
Explained in chapter 00.

The precision helpers build players in bfloat16 on CPUs with bf16 units, float32 elsewhere
(chapter 04; mixed precision on a GPU is chapter 11's subject).
"""

from __future__ import annotations

import contextlib
import os
import pathlib

import keras

#: What ``precision=`` accepts: ``"auto"`` picks one of the other two for this machine.
PRECISIONS = ("auto", "float32", "bfloat16")


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


def cpu_has_bf16_units() -> bool:
    """True when this CPU advertises bfloat16 matrix or vector units (AMX-BF16 or AVX512-BF16)."""
    flags_file = pathlib.Path("/proc/cpuinfo")
    if not flags_file.exists():
        return False
    flags = flags_file.read_text(errors="ignore")
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_precision(precision: str = "auto") -> str:
    """``"auto"`` becomes ``"bfloat16"`` on CPUs with bf16 units, else ``"float32"`` (chapter 04).

    On a GPU, mixed precision is chapter 11's subject; ``"auto"`` keeps float32 there.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}")
    if precision != "auto":
        return precision
    import tensorflow as tf

    on_cpu_only = not tf.config.list_physical_devices("GPU")
    return "bfloat16" if on_cpu_only and cpu_has_bf16_units() else "float32"


@contextlib.contextmanager
def dtype_policy(precision: str):
    """Build layers under ``mixed_bfloat16`` (or float32) and restore the global policy afterwards.

    Layers keep the policy they were built with, so the rest of a notebook is unaffected (chapter 04).
    ``precision`` is ``"float32"`` or ``"bfloat16"``, as `resolve_precision` returns it.
    """
    if precision not in ("float32", "bfloat16"):
        raise ValueError(f"precision must be 'float32' or 'bfloat16' (see resolve_precision); got {precision!r}")
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(previous)
