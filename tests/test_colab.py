"""The Colab cell: on Colab (a stand-in `google.colab` module) it clones and installs the course; elsewhere nothing."""

import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import types

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_kit", ROOT / "scripts" / "notebook_kit.py")
kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit)

NOTEBOOKS = sorted(kit.chapters()) + sorted(kit.SOLUTIONS.glob("*.ipynb"))


class Recorder:
    """Stands in for subprocess.run and os.chdir, and remembers how it was called."""

    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return subprocess.CompletedProcess(args, 0)


@pytest.fixture
def recorded(monkeypatch):
    run, chdir = Recorder(), Recorder()
    monkeypatch.setattr(subprocess, "run", run)
    monkeypatch.setattr(os, "chdir", chdir)
    return run, chdir


def _run_cell(source: str) -> dict:
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<colab cell>", "exec"), namespace)
    return namespace


def test_on_colab_the_cell_clones_the_course_installs_it_and_works_there(recorded, monkeypatch):
    run, chdir = recorded
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    folder = "/content/ganlib"
    assert not os.path.isdir(folder)  # as on a fresh Colab runtime
    _run_cell(kit.colab_cell_source())
    clone, install = run.calls
    assert clone[0][0] == ["git", "clone", "--depth", "1", f"https://github.com/{kit.REPOSITORY}.git", folder]
    assert install[0][0] == [sys.executable, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"]
    assert install[1]["cwd"] == folder
    assert all(kwargs.get("check") is True for _, kwargs in run.calls)  # a failed command stops the cell
    assert chdir.calls == [((folder,), {})]


def test_on_colab_a_second_run_does_not_clone_again(recorded, monkeypatch, tmp_path):
    run, chdir = recorded
    namespace = _run_cell(kit.colab_cell_source())  # not on Colab: defines the function only
    namespace["set_up_colab"](subprocess.run, os.chdir, folder=str(tmp_path))
    assert [args[0][:3] for args, _ in run.calls] == [[sys.executable, "-m", "pip"]]
    assert chdir.calls == [((str(tmp_path),), {})]


def test_elsewhere_the_cell_does_nothing(recorded, monkeypatch):
    run, chdir = recorded
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    _run_cell(kit.colab_cell_source())
    assert run.calls == [] and chdir.calls == []


def test_requirements_install_ganlib_itself():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "-e ." in lines  # so `pip install -r requirements.txt` in the clone installs ganlib too


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: str(path.relative_to(kit.NOTEBOOKS)))
def test_every_notebook_has_the_badge_and_starts_with_the_colab_cell(path):
    notebook = nbformat.read(path, as_version=4)
    title, first_code = notebook.cells[0], notebook.cells[1]
    assert title.cell_type == "markdown" and title.source.startswith("# ")
    badge = (f"(https://colab.research.google.com/github/{kit.REPOSITORY}/blob/{kit.BRANCH}/"
             f"{path.relative_to(ROOT).as_posix()})")
    assert badge in title.source, f"no Colab badge for {path.name}: run python scripts/notebook_kit.py apply"
    assert first_code.cell_type == "code" and first_code.source == kit.colab_cell_source(), (
        f"{path.name}: the second cell is not the current Colab cell: run python scripts/notebook_kit.py apply")
    assert sum(cell.source == kit.colab_cell_source() for cell in notebook.cells) == 1
    assert kit.is_collapsed(first_code), (
        f"{path.name}: the Colab cell is not collapsed: run python scripts/notebook_kit.py apply")


def test_the_colab_cell_is_a_form_with_a_title():
    # Colab shows a form cell ("cellView": "form") as the text after "# @title" on its first line
    assert re.fullmatch(r"# @title \S.*", kit.colab_cell_source().splitlines()[0])


def test_apply_collapses_the_colab_cell_and_check_notices_when_it_is_not(tmp_path, monkeypatch):
    chapter = kit.chapters()[0]
    (tmp_path / "notebooks" / "solutions").mkdir(parents=True)
    copy = tmp_path / "notebooks" / chapter.name
    shutil.copy(chapter, copy)
    shutil.copy(kit.solution_path(chapter), tmp_path / "notebooks" / "solutions" / chapter.name)
    monkeypatch.setattr(kit, "ROOT", tmp_path)
    monkeypatch.setattr(kit, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(kit, "SOLUTIONS", tmp_path / "notebooks" / "solutions")

    kit.apply([str(copy)])
    for path in (copy, kit.solution_path(copy)):
        colab = nbformat.read(path, as_version=4).cells[1]
        assert colab.source == kit.colab_cell_source()
        assert colab.metadata["jupyter"]["source_hidden"] is True and colab.metadata["cellView"] == "form"
        assert kit.TAG_COLAB in colab.metadata["tags"]
    assert kit.out_of_date([str(copy)]) == []

    notebook = nbformat.read(copy, as_version=4)
    del notebook.cells[1].metadata["cellView"]  # shown open on Colab
    nbformat.write(notebook, copy)
    assert kit.out_of_date([str(copy)]) == [
        f"notebooks/{copy.name} is out of date: run python scripts/notebook_kit.py apply"]
    assert kit.apply([str(copy)]) == [copy]
    assert kit.out_of_date([str(copy)]) == []
