"""Committed outputs were made by today's code: each notebook's recorded full run matches it.

``make notebooks`` records, in each notebook's metadata, a fingerprint of its code cells, of
ganlib's sources and of the data files it read (`ganlib.provenance`). A change to any of them
leaves the committed figures and numbers stale; this test names the notebooks to run again.
"""

import importlib.util
import json
import shutil

import pytest

from ganlib import provenance

_spec = importlib.util.spec_from_file_location("run_chapters", provenance.ROOT / "scripts" / "run_chapters.py")
run_chapters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_chapters)

NOTEBOOKS = run_chapters.all_notebooks()


def test_every_chapter_and_solution_is_checked():
    assert len([path for path in NOTEBOOKS if path.parent.name == "notebooks"]) >= 12
    assert len([path for path in NOTEBOOKS if path.parent.name == "solutions"]) >= 12


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.relative_to(provenance.ROOT).as_posix())
def test_committed_outputs_come_from_todays_code(path):
    found = run_chapters.stale([path])
    assert not found, (
        f"{path.name}: its committed outputs do not come from today's code (what differs: "
        f"{', '.join(next(iter(found.values())))}). Run it again in full: {run_chapters.rerun_command(list(found))}"
    )


def _copy(path, tmp_path):
    copy = tmp_path / path.name
    copy.write_text(path.read_text())
    return copy


def test_a_changed_code_cell_makes_a_notebook_stale(tmp_path):
    copy = _copy(NOTEBOOKS[0], tmp_path)
    notebook = json.loads(copy.read_text())
    recorded = provenance.notebook_fingerprint(copy, notebook)
    notebook["metadata"]["ganlib"] = {"full_run": {"fingerprint": recorded}}
    copy.write_text(json.dumps(notebook))
    assert run_chapters.stale([copy]) == {}
    code_cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    code_cell["source"] = "".join(code_cell["source"]) + "\nprint('changed')\n"
    assert provenance.stale_files(recorded, provenance.notebook_fingerprint(copy, notebook)) == ["code cells"]
    markdown_cell = next(cell for cell in notebook["cells"] if cell["cell_type"] == "markdown")
    markdown_cell["source"] = "prose is not code"
    code_cell["source"] = code_cell["source"].removesuffix("\nprint('changed')\n")
    assert provenance.stale_files(recorded, provenance.notebook_fingerprint(copy, notebook)) == []


def test_a_changed_library_line_is_found_but_not_a_comment_or_docstring(tmp_path):
    source = tmp_path / "module.py"
    source.write_text('"""Docstring."""\n\n\ndef f(x):\n    """Doc."""\n    return x + 1  # one\n')
    before = provenance.fingerprint([source])
    source.write_text('"""Another docstring,\non two lines."""\n\ndef f(x):\n    """Changed."""\n\n'
                      '    return x + 1  # a changed comment\n')
    after_prose = provenance.fingerprint([source])
    source.write_text('"""Docstring."""\n\n\ndef f(x):\n    """Doc."""\n    return x + 2  # one\n')
    after_code = provenance.fingerprint([source])
    assert provenance.stale_files(before, after_prose) == []
    assert provenance.stale_files(before, after_code) == [source.resolve().as_posix()]


def test_data_files_count_byte_for_byte(tmp_path):
    data_file = tmp_path / "digits.npz"
    data_file.write_bytes(b"\x00\x01")
    before = provenance.file_digest(data_file)
    data_file.write_bytes(b"\x00\x02")
    assert provenance.file_digest(data_file) != before


def test_the_notebook_fingerprint_covers_ganlib_data_and_the_files_a_chapter_reads():
    chapter_06 = provenance.ROOT / "notebooks" / "06_fixing_the_game.ipynb"
    files = provenance.notebook_fingerprint(chapter_06)["files"]
    assert "ganlib/gan.py" in files and "ganlib/exercises/core.py" in files
    assert "data/mnist_5k.npz" in files and "data/digit_classifier.keras" in files
    assert "benchmarks/results/modes.json" in files


def test_a_notebook_depends_on_its_own_chapters_exercise_checks_only(tmp_path, monkeypatch):
    # a copy of ganlib, so that chapter 07's checks can change without touching the repository
    shutil.copytree(provenance.PACKAGE, tmp_path / "ganlib", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "data").mkdir()
    monkeypatch.setattr(provenance, "ROOT", tmp_path)
    monkeypatch.setattr(provenance, "PACKAGE", tmp_path / "ganlib")
    monkeypatch.setattr(provenance, "DATA", tmp_path / "data")
    notebook = {"cells": [{"cell_type": "code", "source": "import ganlib"}]}
    chapters = {number: tmp_path / f"{number}_a_chapter.ipynb" for number in ("06", "07")}
    before = {number: provenance.notebook_fingerprint(path, notebook) for number, path in chapters.items()}
    files = before["06"]["files"]
    assert {"ganlib/exercises/__init__.py", "ganlib/exercises/core.py", "ganlib/exercises/chapter_06.py"} <= set(files)
    assert not [name for name in files if "/chapter_" in name and not name.endswith("chapter_06.py")]
    chapter_07 = tmp_path / "ganlib" / "exercises" / "chapter_07.py"
    chapter_07.write_text(chapter_07.read_text() + "\nCHANGED = True\n")
    after = {number: provenance.notebook_fingerprint(path, notebook) for number, path in chapters.items()}
    assert provenance.stale_files(before["06"], after["06"]) == []
    assert provenance.stale_files(before["07"], after["07"]) == ["ganlib/exercises/chapter_07.py"]
    with pytest.raises(ValueError, match=r"named NN_title\.ipynb.*got 'notes\.ipynb'"):
        provenance.notebook_fingerprint(tmp_path / "notes.ipynb", notebook)
