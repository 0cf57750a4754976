"""Run chapters in full mode and commit their outputs with a fingerprint of what they ran.

    python scripts/run_chapters.py run [notebooks/NN_name.ipynb ...]   # execute in place, full mode (make notebooks)
    python scripts/run_chapters.py check                                # list notebooks whose outputs are stale

Without paths, ``run`` executes every chapter and every solution notebook. Each notebook runs on a
fresh kernel, top to bottom, with ``GANLIB_FAST=0``, native output captured the way JupyterLab
captures it; a cell that fails stops the run and leaves the file as it was. After a run, the
notebook's metadata ``ganlib.full_run`` holds the fingerprint of its code cells, of ganlib's sources
and of the data files it read (`ganlib.provenance.notebook_fingerprint`), and the run's seconds.

``check`` (and ``tests/test_fresh_outputs.py``) compares each committed fingerprint with the code as
it is now and names the notebooks to run again, with the files that changed.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

from ganlib import provenance

ROOT = provenance.ROOT
NOTEBOOKS = ROOT / "notebooks"
#: Seconds one cell may take in a full run: about 3x the slowest cell (chapter 06's live benchmark, ~5 min).
CELL_TIMEOUT = 900
METADATA_KEY = "ganlib"


def all_notebooks() -> list[pathlib.Path]:
    """Every chapter, then every solution notebook."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))


def run(path: pathlib.Path) -> float:
    """Execute ``path`` in full mode, in place, and record its fingerprint; returns the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    recorded = provenance.notebook_fingerprint(path, notebook)
    os.environ["GANLIB_FAST"] = "0"
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    notebook.metadata[METADATA_KEY] = {"full_run": {"fingerprint": recorded, "seconds": round(seconds, 1)}}
    nbformat.write(notebook, path)
    return seconds


def stale(paths: list[pathlib.Path] | None = None) -> dict[str, list[str]]:
    """Each notebook whose committed full run does not match today's code, with what changed."""
    found = {}
    for path in paths or all_notebooks():
        notebook = nbformat.read(path, as_version=4)
        recorded = notebook.metadata.get(METADATA_KEY, {}).get("full_run", {}).get("fingerprint")
        name = provenance.relative_name(path)
        if recorded is None:
            found[name] = ["no full run recorded"]
            continue
        differences = provenance.stale_files(recorded, provenance.notebook_fingerprint(path, notebook))
        if differences:
            found[name] = differences
    return found


def rerun_command(names: list[str]) -> str:
    return f'make notebooks NOTEBOOKS="{" ".join(names)}"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["run", "check"])
    parser.add_argument("paths", nargs="*", type=pathlib.Path)
    arguments = parser.parse_args(argv)
    paths = [path.resolve() for path in arguments.paths] or all_notebooks()
    if arguments.action == "check":
        found = stale(paths)
        for name, differences in found.items():
            print(f"{name}: {', '.join(differences)}")
        if found:
            print(f"run them again: {rerun_command(list(found))}")
        return 1 if found else 0
    for path in paths:
        print(f"== {path.relative_to(ROOT)}", flush=True)
        seconds = run(path)
        print(f"   {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
