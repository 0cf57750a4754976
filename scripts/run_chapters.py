"""Run chapters in full mode and commit their outputs with a fingerprint of what they ran.

    python scripts/run_chapters.py run [notebooks/NN_name.ipynb ...]   # execute in place, full mode (make notebooks)
    python scripts/run_chapters.py check                                # list notebooks whose outputs are stale
    python scripts/run_chapters.py shard INDEX COUNT                    # part INDEX of COUNT, for make verify

Without paths, ``run`` executes every chapter and every solution notebook. Each notebook runs on a
fresh kernel, top to bottom, with ``GANLIB_FAST=0``, native output captured the way JupyterLab
captures it; a cell that fails stops the run and leaves the file as it was. After a run, the
notebook's metadata ``ganlib.full_run`` holds the fingerprint of its code cells, of ganlib's sources
and of the data files it read (`ganlib.provenance.notebook_fingerprint`), and the run's seconds.

``shard`` splits every notebook into COUNT parts of about equal full-run seconds (as recorded, longest
first, each to the part with the fewest seconds so far) and prints part INDEX (0-based), one path per
line: ``make verify`` runs the parts side by side, one per core. Every notebook is in exactly one part.

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
#: Seconds one cell may take in a full run: about 3x the slowest cell (chapter 06's live run: about 5 min
#: with the machine to itself, 11 min with another run beside it), as `make verify`'s FULL_CELL_TIMEOUT.
CELL_TIMEOUT = 1800
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


def recorded_seconds(path: pathlib.Path) -> float:
    """The seconds of the notebook's last full run, as its metadata records them (0 when none is recorded)."""
    notebook = nbformat.read(path, as_version=4)
    return float(notebook.metadata.get(METADATA_KEY, {}).get("full_run", {}).get("seconds", 0.0))


def shards(paths: list[pathlib.Path], count: int) -> list[list[pathlib.Path]]:
    """``paths`` in ``count`` parts of about equal recorded seconds: longest first, each to the lightest part."""
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"the number of parts must be an integer >= 1; got {count!r}")
    parts, loads = [[] for _ in range(count)], [0.0] * count
    for seconds, path in sorted(((recorded_seconds(path), path) for path in paths), key=lambda item: -item[0]):
        lightest = loads.index(min(loads))
        parts[lightest].append(path)
        loads[lightest] += seconds
    return [sorted(part) for part in parts]


def rerun_command(names: list[str]) -> str:
    return f'make notebooks NOTEBOOKS="{" ".join(names)}"'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["run", "check", "shard"])
    parser.add_argument("paths", nargs="*", help="notebooks (run, check), or INDEX COUNT (shard)")
    arguments = parser.parse_args(argv)
    if arguments.action == "shard":
        if len(arguments.paths) != 2 or not all(value.isdigit() for value in arguments.paths):
            parser.error(f"shard takes INDEX COUNT, two integers; got {arguments.paths}")
        index, count = map(int, arguments.paths)
        if index >= count:
            parser.error(f"shard INDEX must be below COUNT; got {index} and {count}")
        print("\n".join(str(path.relative_to(ROOT)) for path in shards(all_notebooks(), count)[index]))
        return 0
    arguments.paths = [pathlib.Path(path) for path in arguments.paths]
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
