"""Start TensorFlow without its native start-up notices: the first thing ``import ganlib`` does (chapter 00).

TensorFlow 2.18 and later log through Abseil, and some of their shared libraries log while they
load, before TensorFlow has read ``TF_CPP_MIN_LOG_LEVEL`` and before anyone has called
``absl::InitializeLog()``. Those lines ignore the variable, even when it is set before the first
``import tensorflow``; on a machine without a GPU, TensorFlow 2.21 writes::

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796103999.197818    4447 port.cc:153] oneDNN custom operations are on. ...
    I0000 00:00:1796103999.198762    4447 cudart_stub.cc:31] Could not find cuda drivers on your machine, ...

twice (two of its libraries carry their own copy of Abseil), and later, when it first looks for
devices, ``E0000 ... failed call to cuInit: ...``. A terminal scrolls past them; JupyterLab,
which captures native output, shows each as a red stderr box.

`import_tensorflow` keeps them out while letting everything else through:

1. it sets ``TF_CPP_MIN_LOG_LEVEL`` to 2 (hide TensorFlow's native INFO and WARNING lines)
   unless the reader set it; the level is the reader's to choose;
2. at level 0 it imports TensorFlow as is: the reader asked for every line;
3. otherwise it imports TensorFlow with file descriptor 2 sent to a temporary file, then writes
   back to the real one every captured line except Abseil's lines below the level (the lines
   the level would have hidden, had TensorFlow read it in time) and Abseil's
   "before InitializeLog" notice. Everything else (errors, Python warnings, text of any other
   shape) comes back unchanged and in order;
4. where TensorFlow found no CUDA driver, it lists the physical devices inside the same capture,
   so the failed ``cuInit`` that follows from the missing driver is dropped too, as a repeat of
   the notice. Listing physical devices does not set the devices up: logical devices can still be
   configured afterwards (chapter 11 splits the CPU).

Only the import is captured, never the rest of the session. A hard crash inside the import (a
native abort) would lose its message with the temporary file: ``TF_CPP_MIN_LOG_LEVEL=0`` imports
TensorFlow with nothing captured.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

#: Abseil's header, ``I0102 15:04:05.123456  4447 port.cc:153] message``; before its time zone is loaded
#: it writes the seconds since 1970 instead: ``I0000 00:00:1796103999.197818  4447 port.cc:153] message``.
ABSL_LINE = re.compile(r"^(?P<severity>[IWEF])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ \S+:\d+\] (?P<message>.*)$")
#: TensorFlow's own header before it moved to Abseil: ``2024-05-01 12:00:00.000000: I path/port.cc:113] message``.
TF_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: (?P<severity>[IWEF]) \S+:\d+\] (?P<message>.*)$")
ABSL_PREAMBLE = "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
NO_DRIVER = "Could not find cuda drivers on your machine"
FAILED_CUINIT = "failed call to cuInit"
#: TF_CPP_MIN_LOG_LEVEL: 0 shows INFO and up, 1 WARNING and up, 2 ERROR and up, 3 FATAL only.
SEVERITY_RANK = {"I": 0, "W": 1, "E": 2, "F": 3}


def min_log_level() -> int:
    """``TF_CPP_MIN_LOG_LEVEL`` as an integer from 0 to 3, set to 2 first if the environment has none."""
    value = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if value.strip() not in ("0", "1", "2", "3"):
        raise ValueError(f"TF_CPP_MIN_LOG_LEVEL must be 0, 1, 2 or 3; got {value!r}")
    return int(value)


def _parse(line: str):
    """(severity rank, message) of a native log line, or None for any other text."""
    match = ABSL_LINE.match(line) or TF_LINE.match(line)
    return (SEVERITY_RANK[match["severity"]], match["message"]) if match else None


def filter_start_up_lines(text: str, level: int) -> str:
    """``text`` without the start-up lines that log level ``level`` (1 to 3) hides; every other line kept.

    Dropped: native log lines below ``level``, Abseil's "before InitializeLog" notice, and, after
    TensorFlow said it found no CUDA driver, the failed ``cuInit`` that follows from it.
    """
    if level not in (1, 2, 3):
        raise ValueError(f"expected a log level of 1, 2 or 3 (0 keeps every line); got {level!r}")
    kept, no_driver = [], False
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        parsed = _parse(stripped)
        if stripped == ABSL_PREAMBLE:
            continue
        if parsed is not None:
            rank, message = parsed
            no_driver = no_driver or message.startswith(NO_DRIVER)
            if rank < level or (no_driver and message.startswith(FAILED_CUINIT)):
                continue
        kept.append(line)
    return "".join(kept)


def _flush_python_stderr() -> None:
    if sys.stderr is not None:  # None in a process started without a console (pythonw)
        sys.stderr.flush()


def import_tensorflow():
    """Import TensorFlow (and, without a CUDA driver, list its devices) with its start-up notices left out.

    Returns the module. Does nothing more when TensorFlow was imported before ganlib: its
    start-up lines are out by then. Explained in chapter 00.
    """
    level = min_log_level()
    if "tensorflow" in sys.modules or level == 0:
        import tensorflow

        return tensorflow
    try:
        os.fstat(2)
    except OSError:  # no standard error at all (a detached process): nothing to keep clean
        import tensorflow

        return tensorflow
    _flush_python_stderr()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow

            capture.seek(0)
            if NO_DRIVER.encode() in capture.read():
                tensorflow.config.list_physical_devices()  # the failed cuInit, here rather than in a later cell
        finally:
            _flush_python_stderr()  # Python's own text written meanwhile goes back in order too
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = filter_start_up_lines(capture.read().decode("utf-8", errors="replace"), level)
            if kept:
                os.write(2, kept.encode("utf-8"))
    return tensorflow
