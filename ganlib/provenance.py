"""Where a committed result came from: fingerprints of the code and data that made it.

A chapter's committed outputs and the mode benchmark's results file are made by long runs. Each
run records a fingerprint: a digest of the code cells it ran (for a notebook), of every source
file of the code it imported (for a notebook, all of ganlib but the other chapters' exercise
checks), and of the data files it read. `stale_files` compares a recorded fingerprint with the
files as they are now, so a test (and chapter 06, for its results file) can refuse a result that
the current code did not make, and say which files changed.

Comments, docstrings and blank lines are left out of a Python file's digest: they do not change
what runs. Everything else counts, down to a changed constant.

Explained in the README (section "Tests: what CI proves").
"""

from __future__ import annotations

import ast
import hashlib
import io
import json
import pathlib
import re
import tokenize

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ganlib"
DATA = ROOT / "data"

#: Names that ``ganlib/__init__.py`` takes from a module: the module they come from.
PACKAGE_NAMES = {"GAN": "gan"}

#: Paths a notebook's code may read, written relative to notebooks/ ("../data/..."), or to the root.
READ_PATH = re.compile(r"""["'](?:\.\./)?((?:data|benchmarks/results)/[\w./-]+)["']""")
#: A chapter's notebook (or its solution): ``NN_title.ipynb``, NN the chapter.
CHAPTER_NOTEBOOK = re.compile(r"^(\d\d)_.+\.ipynb$")


def _python_code(text: str) -> str:
    """The source without comments, docstrings, trailing spaces and blank lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    tree = ast.parse(text)
    docstring_lines: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstring_lines.update(range(first.lineno, first.end_lineno + 1))
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            lines[row - 1] = lines[row - 1][:column]
    kept = [line.rstrip() for number, line in enumerate(lines, start=1) if number not in docstring_lines]
    return "\n".join(line for line in kept if line)


def file_digest(path: pathlib.Path) -> str:
    """A short sha256 of a file: of its code (see `_python_code`) for Python, of its bytes otherwise."""
    path = pathlib.Path(path)
    if path.suffix == ".py":
        content = _python_code(path.read_text(encoding="utf-8")).encode("utf-8")
    else:
        content = path.read_bytes()
    return hashlib.sha256(content).hexdigest()[:16]


def relative_name(path: pathlib.Path) -> str:
    """A path relative to the repository, or absolute for a file outside it."""
    path = pathlib.Path(path).resolve()
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()


def package_files() -> list[pathlib.Path]:
    """Every source file of ganlib: what a notebook that runs ``import ganlib`` imports."""
    return sorted(PACKAGE.rglob("*.py"))


def chapter_package_files(notebook: pathlib.Path) -> list[pathlib.Path]:
    """The ganlib sources a chapter's notebook depends on: all of them but the other chapters' exercise checks.

    ``import ganlib`` imports every ``ganlib/exercises/chapter_NN.py``, but each of those only
    registers the checks of its own chapter (ids ``"NN.k"``), and a notebook calls only its own
    chapter's ids; so of ``ganlib/exercises`` a notebook depends on the shared machinery
    (``core.py``, ``__init__.py``) and on the module of the chapter in its file name
    (``06_fixing_the_game.ipynb``: ``chapter_06.py``), and a change to chapter 07's checks leaves
    chapter 06's committed outputs fresh.
    """
    name = pathlib.Path(notebook).name
    match = CHAPTER_NOTEBOOK.match(name)
    if match is None:
        raise ValueError(f"a chapter's notebook is named NN_title.ipynb (NN its chapter); got {name!r}")
    own = PACKAGE / "exercises" / f"chapter_{match[1]}.py"
    if not own.is_file():
        raise ValueError(f"{name} is chapter {match[1]}: expected its exercise checks in {relative_name(own)}; "
                         "got no such file")
    others = set((PACKAGE / "exercises").glob("chapter_*.py")) - {own}
    return [path for path in package_files() if path not in others]


def ganlib_imports(path: pathlib.Path) -> list[pathlib.Path]:
    """The ganlib modules a Python file imports, anywhere in it (``from ganlib import x``, ``from ganlib.x import``).

    The package's ``__init__`` only gathers the modules' names, so it is not followed.
    """
    found = []
    for node in ast.walk(ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "ganlib":
                found += [alias.name for alias in node.names]
            elif node.module.startswith("ganlib."):
                found.append(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found += [alias.name.split(".")[1] for alias in node.names if alias.name.startswith("ganlib.")]
    modules = []
    for name in dict.fromkeys(found):
        name = PACKAGE_NAMES.get(name, name)
        module, package = PACKAGE / f"{name}.py", PACKAGE / name / "__init__.py"
        if module.exists():
            modules.append(module)
        elif package.exists():
            modules += sorted(package.parent.rglob("*.py"))
        else:
            raise ValueError(f"{relative_name(path)} imports ganlib.{name}; expected a module or a package of ganlib")
    return modules


def import_closure(entry: pathlib.Path) -> list[pathlib.Path]:
    """``entry`` and every ganlib module it reaches through `ganlib_imports`, followed to the end."""
    seen, todo = [], [pathlib.Path(entry).resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        todo += [module.resolve() for module in ganlib_imports(path)]
    return sorted(seen)


def fingerprint(files: list[pathlib.Path], code: str | None = None) -> dict:
    """The digest of each file (by path relative to the repository), and of ``code`` when given."""
    recorded = {"files": {relative_name(path): file_digest(path) for path in sorted(set(map(pathlib.Path, files)))}}
    if code is not None:
        recorded["code"] = hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]
    return recorded


def stale_files(recorded: dict, current: dict) -> list[str]:
    """What differs between two fingerprints: changed, added or removed files, and "code cells"."""
    old, new = recorded.get("files", {}), current.get("files", {})
    differences = sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))
    if recorded.get("code") != current.get("code"):
        differences.insert(0, "code cells")
    return differences


# --------------------------------------------------------------------------- notebooks
def notebook_code(notebook: dict) -> str:
    """The code cells of a notebook (a dict read from its JSON), in order, as one text."""
    cells = [cell["source"] for cell in notebook["cells"] if cell["cell_type"] == "code"]
    return "\n# ---- cell ----\n".join("".join(source) if isinstance(source, list) else source for source in cells)


def notebook_fingerprint(path: pathlib.Path, notebook: dict | None = None) -> dict:
    """A notebook's code cells, the ganlib sources it runs (`chapter_package_files`), and the data files it reads."""
    path = pathlib.Path(path)
    notebook = json.loads(path.read_text(encoding="utf-8")) if notebook is None else notebook
    code = notebook_code(notebook)
    read = [ROOT / match for match in READ_PATH.findall(code)]
    missing = [relative_name(file) for file in read if not file.is_file()]
    if missing:
        raise ValueError(f"{path.name} reads files that do not exist: {missing}")
    data_files = [file for file in DATA.iterdir() if file.is_file() and file.suffix not in (".md", ".py")]
    return fingerprint(chapter_package_files(path) + data_files + read, code=code)


def digest(recorded: dict) -> str:
    """One short digest of a whole fingerprint, for records that keep many (a benchmark's runs)."""
    return hashlib.sha256(json.dumps(recorded, sort_keys=True).encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- results files of benchmarks
def producer_fingerprint(producer: pathlib.Path) -> dict:
    """The fingerprint of a benchmark script and of every ganlib module it reaches (`import_closure`)."""
    return fingerprint(import_closure(producer))


def load_results(path: pathlib.Path, producer: pathlib.Path, settings: dict) -> dict:
    """Read a benchmark's results file, refusing one that today's code and settings did not make.

    ``settings`` maps each configuration the file must hold (for the mode benchmark: every toy recipe)
    to its settings today; the file's ``settings`` must be the same, and its ``fingerprint`` must
    match ``producer`` and the modules it imports. Used by chapter 06 for ``benchmarks/results/modes.json``.
    """
    path, producer = pathlib.Path(path), pathlib.Path(producer)
    results = json.loads(path.read_text(encoding="utf-8"))
    rerun = f"python {relative_name(producer)} (see its docstring)"
    if "fingerprint" not in results or "settings" not in results:
        raise ValueError(f"{relative_name(path)} records no fingerprint or settings; expected both. Make it again: "
                         f"{rerun}")
    changed = stale_files(results["fingerprint"], producer_fingerprint(producer))
    if changed:
        raise ValueError(f"{relative_name(path)} was made by other code than today's: {', '.join(changed)} changed. "
                         f"Make it again: {rerun}")
    expected = json.loads(json.dumps(settings))
    if results["settings"] != expected:
        different = sorted(name for name in set(expected) | set(results["settings"])
                           if expected.get(name) != results["settings"].get(name))
        raise ValueError(f"{relative_name(path)} holds other settings than today's for {different}; expected "
                         f"{[expected.get(name) for name in different]}, got "
                         f"{[results['settings'].get(name) for name in different]}. Make it again: {rerun}")
    return results
