"""ganlib stays thin enough to read next to the chapters (issue 19; CONTRIBUTING.md, "House rules").

- no function or method in ganlib is longer than 50 lines, from its ``def`` line to the last line
  of its body, docstring included (decorators not counted);
- class `ganlib.GAN` is under 250 lines, docstrings included;
- every loss of `ganlib.losses.LOSSES` is checked against its formula in tests/test_losses.py.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from ganlib import losses

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ganlib"
MAX_FUNCTION_LINES = 50
MAX_GAN_LINES = 250


def _length(node: ast.AST) -> int:
    return node.end_lineno - node.lineno + 1


def long_functions(paths, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``file:name:length`` for each function (nested ones and methods too) longer than ``limit`` lines."""
    found = []
    for path in paths:
        tree = ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _length(node) > limit:
                name = pathlib.Path(path).resolve()
                name = name.relative_to(ROOT).as_posix() if name.is_relative_to(ROOT) else name.as_posix()
                found.append(f"{name}:{node.name}:{_length(node)}")
    return found


def class_length(path: pathlib.Path, name: str) -> int:
    """Lines of class ``name`` in ``path``, from its ``class`` line to its last, docstrings included."""
    tree = ast.parse(pathlib.Path(path).read_text(encoding="utf-8"))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == name]
    if len(classes) != 1:
        raise ValueError(f"expected one class {name} at the top of {path}; got {len(classes)}")
    return _length(classes[0])


def test_the_length_check_counts_from_def_to_the_last_line_of_the_body(tmp_path):
    toy = tmp_path / "toy.py"
    short = "def short(x):\n    '''Doc.'''\n" + "    x += 1\n" * 47 + "    return x\n"  # 50 lines
    long = "@staticmethod\ndef long(x):\n" + "    x += 1\n" * 49 + "    return x\n"  # 51 lines, not the decorator
    toy.write_text(short + "\n\nclass Toy:\n    def method(self):\n        return 1\n")
    assert long_functions([toy]) == []
    assert class_length(toy, "Toy") == 3
    toy.write_text(short + "\n\n" + long)
    assert long_functions([toy]) == [f"{toy.as_posix()}:long:51"]


def test_no_function_in_ganlib_is_longer_than_50_lines():
    offenders = long_functions(sorted(PACKAGE.rglob("*.py")))
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines (file:name:lines): {', '.join(offenders)}"


def test_the_gan_class_stays_under_250_lines():
    lines = class_length(PACKAGE / "gan.py", "GAN")
    assert lines < MAX_GAN_LINES, f"class GAN in ganlib/gan.py has {lines} lines; expected under {MAX_GAN_LINES}"


@pytest.mark.parametrize("name", list(losses.LOSSES))
def test_every_loss_is_checked_against_its_formula(name):
    # tests/test_losses.py writes each loss out as a formula and names it in a string literal
    tree = ast.parse((ROOT / "tests" / "test_losses.py").read_text(encoding="utf-8"))
    named = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert name in named, f"tests/test_losses.py has no formula check for the loss {name!r}; expected one per loss"
