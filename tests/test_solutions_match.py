"""Starters and solutions: every chapter's exercise cells are its solution notebook's, with the gaps cut out."""

import difflib
import importlib.util
import pathlib
import shutil

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_kit", ROOT / "scripts" / "notebook_kit.py")
kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit)

CHAPTERS = kit.chapters()
IDS = [path.name for path in CHAPTERS]


def _tagged(notebook, tag):
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_chapter_has_a_solution_notebook(chapter):
    """Every chapter ends with exercises, so every chapter has a solution notebook (issue 7)."""
    assert kit.solution_path(chapter).exists(), (
        f"{chapter.name} has no exercises: write notebooks/solutions/{chapter.name} (see docs/instructor_guide.md), "
        f"then run python scripts/notebook_kit.py apply notebooks/{chapter.name}")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_kit_cells_are_up_to_date(chapter):
    assert kit.out_of_date([str(chapter)]) == []


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if kit.solution_path(c).exists()],
                         ids=lambda chapter: chapter.name)
def test_starter_and_solution_differ_only_inside_the_gaps(chapter):
    """An independent comparison, line by line: what only the starter has is a gap, what only the solution has
    lies inside a BEGIN/END SOLUTION region."""
    starters = _tagged(nbformat.read(chapter, as_version=4), kit.TAG_EXERCISES)
    solutions = _tagged(nbformat.read(kit.solution_path(chapter), as_version=4), kit.TAG_EXERCISES)
    assert starters[0].source.startswith("## Exercises")
    assert starters[-1].source == kit.progress_source(chapter.name[:2])
    starters = starters[1:-1]  # the chapter's intro and progress cells are the kit's own
    assert [cell.cell_type for cell in starters] == [cell.cell_type for cell in solutions]
    gaps = 0
    for starter, solution in zip(starters, solutions, strict=True):
        if starter.cell_type == "markdown":
            assert starter.source == solution.source
            continue
        starter_lines, solution_lines = starter.source.splitlines(), solution.source.splitlines()
        inside, in_region = False, []
        for line in solution_lines:
            inside = inside or "# BEGIN SOLUTION" in line
            in_region.append(inside)
            inside = inside and "# END SOLUTION" not in line
        matcher = difflib.SequenceMatcher(a=starter_lines, b=solution_lines, autojunk=False)
        for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
            if operation == "equal":
                assert not any(in_region[b_start:b_end]) or all(
                    "SOLUTION" not in line for line in solution_lines[b_start:b_end]), "a marker in a starter"
                continue
            only_starter = starter_lines[a_start:a_end]
            assert all("..." in line for line in only_starter), f"{chapter.name}: starter differs: {only_starter}"
            assert all(in_region[b_start:b_end]), (
                f"{chapter.name}: the solution differs outside a region: {solution_lines[b_start:b_end]}")
            gaps += len(only_starter)
        assert not any("SOLUTION" in line for line in starter_lines)
    assert gaps >= kit.MIN_EXERCISES


def test_starter_source_cuts_regions_and_keeps_indentation():
    solution = "def f(x):\n    # BEGIN SOLUTION: return ...  # your code\n    y = x + 1\n    return y\n" \
               "    # END SOLUTION\n\n\nexercises.check('00.1', f)"
    assert kit.starter_source(solution) == "def f(x):\n    return ...  # your code\n\n\nexercises.check('00.1', f)"
    assert kit.starter_source("# BEGIN SOLUTION\nanswer = 3\n# END SOLUTION") == "..."
    for broken, message in [("# BEGIN SOLUTION\nx = 1", "without END"), ("x = 1\n# END SOLUTION", "without BEGIN"),
                            ("# BEGIN SOLUTION: answer = 0\nanswer = 3\n# END SOLUTION", "no `...`"),
                            ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside")]:
        with pytest.raises(kit.KitError, match=message):
            kit.starter_source(broken)


def _small_course(tmp_path, monkeypatch):
    """A made-up chapter and solution notebook in a temporary repository, for the kit to work on."""
    monkeypatch.setattr(kit, "ROOT", tmp_path)
    monkeypatch.setattr(kit, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(kit, "SOLUTIONS", tmp_path / "notebooks" / "solutions")
    kit.SOLUTIONS.mkdir(parents=True)
    chapter = kit.NOTEBOOKS / "42_a_chapter.ipynb"
    body = nbformat.v4.new_code_cell("print('the chapter')", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="the chapter\n")])
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 42 · A chapter\n\nIts story."),
        nbformat.v4.new_code_cell("import numpy as np\n\nfrom ganlib import data, runtime"), body]), chapter)
    exercise = ("def f():\n    # BEGIN SOLUTION: return ...\n    return 1\n    # END SOLUTION\n\n\n"
                "exercises.check(\"42.{}\", f)")
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from ganlib import exercises"), nbformat.v4.new_markdown_cell("**Exercise 42.1**"),
        nbformat.v4.new_code_cell(exercise.format(1)), nbformat.v4.new_code_cell(exercise.format(2))]),
        kit.SOLUTIONS / chapter.name)
    return chapter


def test_apply_builds_both_notebooks_once_and_leaves_other_cells_alone(tmp_path, monkeypatch):
    chapter = _small_course(tmp_path, monkeypatch)
    assert sorted(kit.apply()) == sorted([chapter, kit.SOLUTIONS / chapter.name])
    assert kit.apply() == [] and kit.out_of_date() == []  # idempotent
    cells = nbformat.read(chapter, as_version=4).cells
    assert cells[0].source.startswith("# 42 · A chapter\n\n[![Open In Colab]")
    assert cells[0].source.endswith("Its story.")
    assert cells[1].source == kit.colab_cell_source()
    assert cells[3].outputs[0].text == "the chapter\n"  # an untouched cell keeps its outputs
    starters = [cell.source for cell in cells if kit.TAG_EXERCISES in cell.metadata.get("tags", [])]
    assert starters[3] == "def f():\n    return ...\n\n\nexercises.check(\"42.1\", f)"
    assert starters[-1] == 'exercises.progress("42")'
    solution = nbformat.read(kit.SOLUTIONS / chapter.name, as_version=4).cells
    assert solution[0].source.startswith("# Solutions · 42 · A chapter")
    assert solution[2].source == "import numpy as np\n\nfrom ganlib import runtime"
    assert solution[-1].source.endswith('exercises.require_all("42")')

    # an edited solution shows up as out of date, and apply brings the chapter along
    notebook = nbformat.read(kit.SOLUTIONS / chapter.name, as_version=4)
    notebook.cells[6].source = notebook.cells[6].source.replace("return 1", "return 2")
    nbformat.write(notebook, kit.SOLUTIONS / chapter.name)
    assert kit.out_of_date() == []  # the gap hides the change: the chapter's starter is the same
    notebook.cells[6].source += "\nprint('after the check')"
    nbformat.write(notebook, kit.SOLUTIONS / chapter.name)
    assert len(kit.out_of_date()) == 1 and kit.apply() == [chapter]
    assert "print('after the check')" in nbformat.read(chapter, as_version=4).cells[-2].source


def test_rules_for_solution_notebooks(tmp_path, monkeypatch):
    chapter = _small_course(tmp_path, monkeypatch)
    path = kit.SOLUTIONS / chapter.name
    notebook = nbformat.read(path, as_version=4)
    del notebook.cells[3]  # one exercise left
    nbformat.write(notebook, path)
    assert "has 1 exercises; a chapter ends with 2 to 4" in kit.out_of_date()[0]
    notebook.cells.append(nbformat.v4.new_code_cell('exercises.check("42.2", f)'))  # a check with no gap
    nbformat.write(notebook, path)
    assert "has no `# BEGIN SOLUTION` region" in kit.out_of_date()[0]


def test_a_top_level_heading_in_an_exercise_cell_is_refused(tmp_path, monkeypatch):
    """A `# ...` heading among the exercise cells would read as a second title in the chapter (issue 16)."""
    chapter = _small_course(tmp_path, monkeypatch)
    path = kit.SOLUTIONS / chapter.name
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell("# Solutions · 42 · A chapter"))
    nbformat.write(notebook, path)
    problems = kit.out_of_date()
    assert len(problems) == 1 and "expected headings of level 2 or deeper" in problems[0], problems
    assert "got '# Solutions · 42 · A chapter'" in problems[0]
    with pytest.raises(kit.KitError, match="level 2 or deeper"):
        kit.apply()
    assert "Solutions" not in nbformat.read(chapter, as_version=4).cells[-1].source  # nothing written
    notebook.cells[1].source = "## Solutions\n\n```python\n# a comment in code is no heading\n```"
    nbformat.write(notebook, path)
    kit.apply()  # a `##` heading, and a `#` comment inside a code fence, pass
    assert kit.out_of_date() == []


def test_a_chapter_without_solutions_gets_badge_and_colab_cell_only(tmp_path, monkeypatch):
    chapter = _small_course(tmp_path, monkeypatch)
    shutil.rmtree(kit.SOLUTIONS)
    assert kit.apply() == [chapter]
    cells = nbformat.read(chapter, as_version=4).cells
    assert len(cells) == 4 and cells[1].source == kit.colab_cell_source()
    assert not [cell for cell in cells if kit.TAG_EXERCISES in cell.metadata.get("tags", [])]


def test_an_untagged_copy_of_the_colab_cell_is_not_doubled(tmp_path, monkeypatch):
    chapter = _small_course(tmp_path, monkeypatch)
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells.insert(1, nbformat.v4.new_code_cell(kit.colab_cell_source()))  # copied by hand, no tag
    nbformat.write(notebook, chapter)
    kit.apply()
    sources = [cell.source for cell in nbformat.read(chapter, as_version=4).cells]
    assert sources.count(kit.colab_cell_source()) == 1 and sources[1] == kit.colab_cell_source()
