"""The workshop kit for the chapters: Colab badge and set-up cell, and exercises built from their solutions.

    python scripts/notebook_kit.py apply [notebooks/NN_name.ipynb ...]   # write (idempotent)
    python scripts/notebook_kit.py check [notebooks/NN_name.ipynb ...]   # exit 1 and list what is out of date

Without paths, every chapter ``notebooks/NN_*.ipynb`` is handled. For each chapter, ``apply``:

1. puts an "Open in Colab" badge under the title (the first cell) and, right after the title, the
   Colab cell (`colab_cell_source`): on Colab it clones the course and installs ``requirements.txt``;
   anywhere else it does nothing. The cell is collapsed (`COLLAPSED_METADATA`): JupyterLab hides its
   source, Colab shows it as a form with only its ``# @title`` line, so it does not crowd the chapter;
2. if ``notebooks/solutions/NN_name.ipynb`` exists, rebuilds that solution notebook's generated cells
   (title, Colab cell, the chapter's setup cell, and a last cell that requires every exercise to pass),
   then rebuilds the chapter's exercise section, at the end of the chapter, from the solution's
   exercise cells, with every solution region replaced by its gap. An exercise cell may not hold a
   level-1 heading (``# ...``): in the chapter it would read as a second title, so the kit refuses it.

A solution region, in a code cell of a solution notebook::

    # BEGIN SOLUTION: return ...
    return np.logaddexp(0.0, logits) - targets * logits
    # END SOLUTION

becomes, in the chapter, the gap line written after ``BEGIN SOLUTION:`` at the indentation of the
marker (``return ...``). Everything outside the regions is copied, so starter and solution cannot
drift apart; ``check`` (run by ``tests/test_solutions_match.py``) proves they did not.

Cells the kit owns carry a tag (`TAGS`); it never touches other cells except the title, where it
only adds or refreshes the badge line. Cells whose new source equals the old keep their outputs.
``check`` compares every notebook with what ``apply`` would write, so it also reports a Colab cell
that is not collapsed.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

import nbformat

#: The course's GitHub repository, owner/name: the only place it is written (the badge and Colab cell use it).
REPOSITORY = "ganlib-course/ganlib"
#: The branch the Colab badges open.
BRANCH = "main"

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
CHAPTER_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")

TAG_COLAB = "kit-colab"
TAG_EXERCISES = "kit-exercises"  # the chapter's exercise section, and the authored cells of a solution notebook
TAG_GENERATED = "kit-generated"  # cells of a solution notebook that the kit writes (title, setup, last cell)
TAGS = (TAG_COLAB, TAG_EXERCISES, TAG_GENERATED)

BADGE_MARK = "colab-badge.svg"
BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?::\s?(?P<gap>.*))?$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
CHECK_CALL = re.compile(r"exercises\.check\(\s*[\"'](?P<id>\d\d\.\d+)[\"']")
TOP_HEADING = re.compile(r"^# \S")  # a level-1 markdown heading: only a notebook's title has one
MIN_EXERCISES, MAX_EXERCISES = 2, 4


class KitError(ValueError):
    """A notebook breaks one of the kit's rules (unbalanced markers, a gap without `...`, too few exercises,
    a level-1 heading in an exercise cell)."""


# --------------------------------------------------------------------------- generated text
def colab_cell_source() -> str:
    """The first code cell of every notebook: sets Colab up, does nothing elsewhere.

    Its first line, ``# @title ...``, is what Colab shows of a form cell (`COLLAPSED_METADATA`).
    """
    return f'''# @title extra code – on Colab: fetch the course, install it and its requirements; elsewhere: nothing
import sys

REPOSITORY = "{REPOSITORY}"  # written by scripts/notebook_kit.py


def set_up_colab(run, change_directory, folder="/content/ganlib"):
    """Clone the course into `folder` unless it is there, install its requirements, and work from there."""
    import os

    if not os.path.isdir(folder):
        run(["git", "clone", "--depth", "1", f"https://github.com/{{REPOSITORY}}.git", folder], check=True)
    run([sys.executable, "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], cwd=folder, check=True)
    change_directory(folder)  # the running kernel then imports ganlib from the working directory


if "google.colab" in sys.modules:
    import os
    import subprocess

    set_up_colab(subprocess.run, os.chdir)'''


COLAB_FIRST_LINE = colab_cell_source().splitlines()[0]
#: Cell metadata that shows the Colab cell collapsed: JupyterLab hides the source of a cell with
#: ``jupyter.source_hidden``; Colab shows a ``cellView: form`` cell as its ``# @title`` line only.
COLLAPSED_METADATA = {"jupyter": {"source_hidden": True}, "cellView": "form"}


def colab_url(notebook: pathlib.Path) -> str:
    relative = notebook.resolve().relative_to(ROOT).as_posix()
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{relative}"


def badge_line(notebook: pathlib.Path) -> str:
    return f"[![Open In Colab](https://colab.research.google.com/assets/{BADGE_MARK})]({colab_url(notebook)})"


def chapter_number(chapter: pathlib.Path) -> str:
    match = CHAPTER_NAME.match(chapter.name)
    if not match:
        raise KitError(f"a chapter is named notebooks/NN_short_name.ipynb; got {chapter.name}")
    return match.group(1)


def solution_path(chapter: pathlib.Path) -> pathlib.Path:
    return SOLUTIONS / chapter.name


def exercises_intro(chapter: pathlib.Path) -> str:
    return (
        "## Exercises\n\n"
        "Each exercise cell has a gap, `...`, to fill; then run the cell. The check at its end prints\n"
        "`correct` when your answer is right, `not done yet` while the gap is empty, and otherwise stops\n"
        "with an error that says what is wrong. The exercises need only the setup cells at the top and the\n"
        "cell below, not the rest of the chapter. Try them before you look at the solutions:\n"
        f"[solutions/{chapter.name}](solutions/{chapter.name})."
    )


def progress_source(number: str) -> str:
    return f'exercises.progress("{number}")'


def require_all_source(number: str) -> str:
    return f'# the solutions must pass every check of the chapter\nexercises.require_all("{number}")'


def solution_title(chapter_title: str, chapter: pathlib.Path, notebook: pathlib.Path) -> str:
    heading = chapter_title.splitlines()[0].removeprefix("# ")
    return (
        f"# Solutions · {heading}\n\n{badge_line(notebook)}\n\n"
        f"The exercises of [chapter {chapter_number(chapter)}](../{chapter.name}), solved. `make test` runs this\n"
        "notebook, so every solution here passes its check. The chapter's gaps are the regions between\n"
        "`# BEGIN SOLUTION` and `# END SOLUTION`; `scripts/notebook_kit.py` writes the chapter's exercise\n"
        "cells from this notebook."
    )


def solution_setup(chapter_setup: str) -> str:
    """The chapter's setup cell, importing only `runtime` from ganlib (the exercises import the rest).

    Imports that only the chapter's later cells use are left out, since a solution notebook has none
    of those cells: of the ``from ganlib import ...`` lines only the names the setup cell itself uses
    stay (chapter 11 calls ``distribute.split_cpu`` there), with `runtime` imported once, on the last
    such line; a plain ``import module`` line, or a ``from module import name`` line of one name, stays
    only if the cell uses the module or the name.
    """
    lines = chapter_setup.splitlines()
    ganlib_lines = [index for index, line in enumerate(lines) if line.startswith("from ganlib import ")]
    if not ganlib_lines:
        raise KitError("the chapter's setup cell has no `from ganlib import ...` line")

    def used_elsewhere(name: str, index: int) -> bool:
        rest = "\n".join(line for other, line in enumerate(lines) if other != index)
        return re.search(rf"\b{re.escape(name)}\.", rest) is not None

    kept = []
    for index, line in enumerate(lines):
        if index in ganlib_lines:
            names = [name.strip() for name in line.removeprefix("from ganlib import ").split(",")]
            names = [name for name in names if name != "runtime" and used_elsewhere(name, index)]
            names += ["runtime"] if index == ganlib_lines[-1] else []
            if names:
                kept.append("from ganlib import " + ", ".join(sorted(names)))
            continue
        plain = re.fullmatch(r"import (\w+)", line)
        if plain and not used_elsewhere(plain.group(1), index):
            continue
        single = re.fullmatch(r"from [\w.]+ import (\w+)", line)
        if single and not re.search(rf"\b{single.group(1)}\b", "\n".join(lines[:index] + lines[index + 1:])):
            continue
        if line.strip() or (kept and kept[-1].strip()):  # no doubled blank lines where imports were left out
            kept.append(line)
    return "\n".join(kept)


# ------------------------------------------------------------------------------ gaps
def starter_source(source: str, where: str = "a cell") -> str:
    """``source`` with every solution region replaced by its gap (``...`` where none is written)."""
    out, inside = [], False
    for line in source.splitlines():
        begin = BEGIN.match(line)
        if begin:
            if inside:
                raise KitError(f"{where}: BEGIN SOLUTION inside a solution region")
            gap = begin.group("gap") or "..."
            if "..." not in gap:
                raise KitError(f"{where}: the gap {gap!r} has no `...` for the learner to fill")
            out.append(begin.group("indent") + gap)
            inside = True
        elif END.match(line):
            if not inside:
                raise KitError(f"{where}: END SOLUTION without BEGIN SOLUTION")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise KitError(f"{where}: BEGIN SOLUTION without END SOLUTION")
    return "\n".join(out)


def top_level_headings(markdown: str) -> list[str]:
    """The level-1 headings (``# ...`` lines) of a markdown cell, outside fenced code blocks."""
    headings, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and TOP_HEADING.match(line):
            headings.append(line)
    return headings


def solution_regions(source: str) -> int:
    return sum(1 for line in source.splitlines() if BEGIN.match(line))


# ------------------------------------------------------------------------------ cells
def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _has(cell, tag: str) -> bool:
    if tag == TAG_COLAB and cell.cell_type == "code" and cell.source.startswith(COLAB_FIRST_LINE):
        return True  # a Colab cell copied without its tag is still the Colab cell
    return tag in _tags(cell)


def _tagged(cell, tag: str):
    cell.metadata["tags"] = [t for t in _tags(cell) if t not in TAGS] + [tag]
    return cell


def _collapsed(cell):
    """``cell`` with `COLLAPSED_METADATA` set (other metadata kept)."""
    cell.metadata["jupyter"] = {**cell.metadata.get("jupyter", {}), **COLLAPSED_METADATA["jupyter"]}
    cell.metadata["cellView"] = COLLAPSED_METADATA["cellView"]
    return cell


def is_collapsed(cell) -> bool:
    """Whether JupyterLab and Colab both show ``cell`` collapsed."""
    return (cell.metadata.get("jupyter", {}).get("source_hidden") is True
            and cell.metadata.get("cellView") == COLLAPSED_METADATA["cellView"])


def _new_cell(cell_type: str, source: str, tag: str):
    cell = nbformat.v4.new_code_cell(source) if cell_type == "code" else nbformat.v4.new_markdown_cell(source)
    return _tagged(cell, tag)


def _keep_or_new(old_cells: list, cell_type: str, source: str, tag: str):
    """An old cell with the same type and source (kept with its outputs), else a new one."""
    for cell in old_cells:
        if cell.cell_type == cell_type and cell.source == source:
            return _tagged(cell, tag)
    return _new_cell(cell_type, source, tag)


def _with_badge(title: str, notebook: pathlib.Path) -> str:
    lines = [line for line in title.splitlines() if BADGE_MARK not in line]
    while len(lines) > 1 and lines[1] == "" and len(lines) > 2 and lines[2] == "":
        del lines[1]  # the blank line left by a removed badge
    if not lines or not lines[0].startswith("# "):
        raise KitError(f"{notebook.name}: the first cell must be the markdown title `# NN · Title`")
    return "\n".join([lines[0], "", badge_line(notebook), *lines[1:]])


def _read(path: pathlib.Path):
    return nbformat.read(path, as_version=4)


# ------------------------------------------------------------------------------ building
def build_chapter(chapter_nb, chapter: pathlib.Path, solution_nb=None):
    """The chapter with badge, Colab cell and (given its solution notebook) its exercise section."""
    cells = list(chapter_nb.cells)
    if not cells or cells[0].cell_type != "markdown":
        raise KitError(f"{chapter.name}: the first cell must be the markdown title")
    title = cells[0]
    title.source = _with_badge(title.source, chapter)
    body = [cell for cell in cells[1:] if not (_has(cell, TAG_COLAB) or _has(cell, TAG_EXERCISES))]
    old_colab = [cell for cell in cells if _has(cell, TAG_COLAB)]
    old_exercises = [cell for cell in cells if _has(cell, TAG_EXERCISES)]
    colab = _collapsed(_keep_or_new(old_colab, "code", colab_cell_source(), TAG_COLAB))
    exercise_cells = []
    if solution_nb is not None:
        number = chapter_number(chapter)
        authored = _authored_cells(solution_nb, solution_path(chapter))
        sources = [("markdown", exercises_intro(chapter))]
        for index, cell in enumerate(authored):
            where = f"solutions/{chapter.name}, exercise cell {index + 1}"
            headings = top_level_headings(cell.source) if cell.cell_type == "markdown" else []
            if headings:  # it would land in the chapter's exercise section as a second title
                raise KitError(f"{where}: expected headings of level 2 or deeper (`## ...`), since the kit writes "
                               f"the only level-1 heading, the title; got {headings[0]!r}")
            sources.append((cell.cell_type, starter_source(cell.source, where) if cell.cell_type == "code"
                            else cell.source))
        sources.append(("code", progress_source(number)))
        exercise_cells = [_keep_or_new(old_exercises, kind, source, TAG_EXERCISES) for kind, source in sources]
    chapter_nb.cells = [title, colab, *body, *exercise_cells]
    return chapter_nb


def _authored_cells(solution_nb, path: pathlib.Path) -> list:
    authored = [cell for cell in solution_nb.cells if not (_has(cell, TAG_GENERATED) or _has(cell, TAG_COLAB))]
    if not authored:
        raise KitError(f"{path.relative_to(ROOT)} has no exercise cells")
    return authored


def build_solution(solution_nb, chapter_nb, chapter: pathlib.Path):
    """The solution notebook with its generated cells: title, Colab cell, setup, the authored cells, last check."""
    path = solution_path(chapter)
    number = chapter_number(chapter)
    old = list(solution_nb.cells)
    authored = [_tagged(cell, TAG_EXERCISES) for cell in _authored_cells(solution_nb, path)]
    validate_exercises(authored, number, path)
    chapter_setup = _setup_cell(chapter_nb, chapter)
    solution_nb.cells = [
        _keep_or_new(old, "markdown", solution_title(chapter_nb.cells[0].source, chapter, path), TAG_GENERATED),
        _collapsed(_keep_or_new(old, "code", colab_cell_source(), TAG_COLAB)),
        _keep_or_new(old, "code", solution_setup(chapter_setup.source), TAG_GENERATED),
        *authored,
        _keep_or_new(old, "code", require_all_source(number), TAG_GENERATED),
    ]
    for key in ("kernelspec", "language_info"):
        if key in chapter_nb.metadata:
            solution_nb.metadata.setdefault(key, chapter_nb.metadata[key])
    return solution_nb


def _setup_cell(chapter_nb, chapter: pathlib.Path):
    for cell in chapter_nb.cells[1:]:
        if cell.cell_type == "code" and not _has(cell, TAG_COLAB):
            if "from ganlib import " not in cell.source:
                raise KitError(f"{chapter.name}: the first code cell after the Colab cell is not the setup cell")
            return cell
    raise KitError(f"{chapter.name} has no setup cell")


def validate_exercises(authored: list, number: str, path: pathlib.Path) -> list[str]:
    """The exercise ids checked in a solution notebook's cells, after checking the kit's rules; raise if broken."""
    ids = []
    for index, cell in enumerate(authored):
        if cell.cell_type != "code":
            continue
        where = f"{path.relative_to(ROOT)}, exercise cell {index + 1}"
        called = CHECK_CALL.findall(cell.source)
        starter_source(cell.source, where)  # raises on unbalanced markers or a gap without `...`
        if called and not solution_regions(cell.source):
            raise KitError(f"{where} checks {called} but has no `# BEGIN SOLUTION` region, so no gap")
        if solution_regions(cell.source) and not called:
            raise KitError(f"{where} has a solution region but no exercises.check(...) call")
        ids += called
    wrong = [exercise_id for exercise_id in ids if not exercise_id.startswith(number + ".")]
    if wrong:
        raise KitError(f"{path.relative_to(ROOT)} checks exercises of another chapter: {wrong}")
    if len(set(ids)) != len(ids):
        raise KitError(f"{path.relative_to(ROOT)} checks an exercise twice: {ids}")
    if not MIN_EXERCISES <= len(ids) <= MAX_EXERCISES:
        raise KitError(f"{path.relative_to(ROOT)} has {len(ids)} exercises; a chapter ends with "
                       f"{MIN_EXERCISES} to {MAX_EXERCISES}")
    return ids


# ------------------------------------------------------------------------------ commands
def chapters(paths: list[str] | None = None) -> list[pathlib.Path]:
    if paths:
        return [pathlib.Path(path).resolve() for path in paths]
    return sorted(path for path in NOTEBOOKS.glob("*.ipynb") if CHAPTER_NAME.match(path.name))


def planned(chapter: pathlib.Path) -> dict[pathlib.Path, object]:
    """What `apply` would write for one chapter: {path: notebook}."""
    chapter_nb = _read(chapter)
    result = {}
    solution = solution_path(chapter)
    solution_nb = None
    if solution.exists():
        solution_nb = build_solution(_read(solution), chapter_nb, chapter)
        result[solution] = solution_nb
    result[chapter] = build_chapter(chapter_nb, chapter, solution_nb)
    return result


def _serialize(notebook) -> str:
    return nbformat.writes(notebook)


def _differs(path: pathlib.Path, notebook) -> bool:
    """Whether ``notebook`` differs from the file, compared through one serializer (not byte for byte)."""
    return _serialize(notebook) != _serialize(_read(path))


def out_of_date(paths: list[str] | None = None) -> list[str]:
    """The notebooks `apply` would change (and why a notebook breaks the kit's rules), as messages."""
    problems = []
    for chapter in chapters(paths):
        try:
            plan = planned(chapter)
        except KitError as error:
            problems.append(str(error))
            continue
        for path, notebook in plan.items():
            if _differs(path, notebook):
                problems.append(f"{path.relative_to(ROOT)} is out of date: run python scripts/notebook_kit.py apply")
    return problems


def apply(paths: list[str] | None = None) -> list[pathlib.Path]:
    """Write every notebook whose kit cells are out of date; return the paths written."""
    written = []
    for chapter in chapters(paths):
        for path, notebook in planned(chapter).items():
            if _differs(path, notebook):
                nbformat.validate(notebook)
                nbformat.write(notebook, path)
                written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["apply", "check"])
    parser.add_argument("notebooks", nargs="*", help="chapters (default: every notebooks/NN_*.ipynb)")
    args = parser.parse_args(argv)
    if args.command == "apply":
        written = apply(args.notebooks or None)
        for path in written:
            print("wrote", path.relative_to(ROOT))
        print(f"{len(written)} notebook(s) written" if written else "all notebooks up to date")
        return 0
    problems = out_of_date(args.notebooks or None)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "all notebooks up to date")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
