"""Run times per chapter, as a Markdown table for docs/instructor_guide.md.

    python scripts/time_chapters.py               # committed full run + fast mode measured now, every notebook
    python scripts/time_chapters.py --full        # also measure the full run now (minutes per chapter)
    python scripts/time_chapters.py --no-fast     # only read the committed outputs (seconds)
    python scripts/time_chapters.py notebooks/03_the_game.ipynb notebooks/solutions/03_the_game.ipynb

"Committed full run" is read from the execution timestamps that `make notebooks` leaves in each
cell's metadata: the time from the first cell's start to the last cell's end, without the kernel's
start-up. "Measured" runs execute a copy of the notebook on a fresh kernel (start-up included),
offline, and never write to the repository. Run it alone on the machine: other work slows it down.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import sys
import time

import nbformat

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def default_notebooks() -> list[pathlib.Path]:
    chapters = sorted(path for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    return chapters + sorted((NOTEBOOKS / "solutions").glob("*.ipynb"))


def _stamp(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def committed_seconds(notebook) -> float | None:
    """Seconds from the first cell's start to the last cell's end in the committed run, or None if not recorded."""
    starts, ends = [], []
    for cell in notebook.cells:
        execution = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in execution and "shell.execute_reply" in execution:
            starts.append(_stamp(execution["iopub.execute_input"]))
            ends.append(_stamp(execution["shell.execute_reply"]))
    code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    if not starts or len(starts) < code_cells:  # some cells were not run in that session
        return None
    return (max(ends) - min(starts)).total_seconds()


def measure_seconds(path: pathlib.Path, fast: bool, timeout: int = 1800) -> float:
    """Run a copy of the notebook on a fresh kernel and return the wall-clock seconds, start-up included."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("GANLIB_FAST")
    os.environ["GANLIB_FAST"] = "1" if fast else "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        started = time.perf_counter()
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop("GANLIB_FAST", None)
        else:
            os.environ["GANLIB_FAST"] = previous


def _format(seconds: float | None) -> str:
    if seconds is None:
        return "not recorded"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--full", action="store_true", help="also run every notebook in full mode now")
    parser.add_argument("--no-fast", action="store_true", help="do not run fast mode")
    args = parser.parse_args(argv)
    paths = [path.resolve() for path in args.notebooks] or default_notebooks()

    header = ["notebook", "full run (committed)"]
    header += [] if args.no_fast else ["fast mode (measured)"]
    header += ["full run (measured)"] if args.full else []
    print(f"<!-- {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{datetime.date.today()}, python scripts/time_chapters.py {' '.join(argv or sys.argv[1:])} -->")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    totals = [0.0] * (len(header) - 1)
    for path in paths:
        row = [committed_seconds(nbformat.read(path, as_version=4))]
        if not args.no_fast:
            row.append(measure_seconds(path, fast=True))
        if args.full:
            row.append(measure_seconds(path, fast=False))
        totals = [total + (value or 0.0) for total, value in zip(totals, row)]
        name = path.relative_to(NOTEBOOKS).as_posix() if path.is_relative_to(NOTEBOOKS) else str(path)
        print(f"| {name} | " + " | ".join(_format(value) for value in row) + " |",
              flush=True)
    print("| **total** | " + " | ".join(_format(total) for total in totals) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
