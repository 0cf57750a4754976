"""Every number in a chapter's prose is backed by an output of that chapter.

The course promises that what the prose says, the committed outputs show. For every notebook (the
chapters ``notebooks/NN_*.ipynb`` and their solutions), each markdown cell is read and two kinds of
numbers are taken from it:

- a **decimal**: a number written with a decimal point, such as ``0.838``, ``20.5``, ``-1.73`` or
  ``1,000.5`` (thousands separators and a leading minus, ``-`` or ``−``, are read as part of it);
- a **percentage**: a number followed by ``%``, directly or after a space, a no-break space, a narrow
  no-break space or LaTeX's ``\\,``, such as ``98 %``, ``82.1 %``, ``68%`` or ``98.9\\,\\%``.

Whole numbers without ``%`` (``8 modes``, ``chapter 05``) are not checked, nor are powers written
as ``1e-4`` or ``$10^{-3}$`` (settings, visible in the code), web addresses, file names, HTML tags,
or chapter.exercise labels such as "Exercise 05.2", which name an exercise rather than state a
quantity.

Each such number must appear in the same notebook, either in a committed output of a code cell
(stream text, and the ``text/plain``, ``text/markdown`` and ``text/html`` data of execute_result
and display_data outputs) or in the source of a code cell (a setting such as ``beta_1=0.5`` is
written there). Rounding is allowed as the chapter printed it: a prose number with d decimals is
backed by a number x of the outputs or code when x rounded to d decimals gives it (a tie may round
either way, since the output itself was already rounded); a percentage p with d decimals is also
backed when 100·x rounded to d decimals gives p (the chapter may print 0.821 and write 82.1 %).
A prose number's sign counts: ``-0.69`` needs a negative number in the outputs, ``0.69`` a positive one.

Numbers inside LaTeX math (``$...$``, ``$$...$$``) are checked like the rest: a constant of an
equation (``0.5^2``, ``\\log 8 = 2.08``) is either visible in the code or printed, or it is a
constant of mathematics that the allow-list names with its reason. Keeping math out of the
check was not necessary, and would let a result written as ``$0.84$`` escape it.

A number that no output can show (a published result of a paper, a mathematical constant, a
definition of a benchmark, a software version) goes into
``tests/prose_numbers_allowed.json``, under the notebook's path relative to ``notebooks/``, with a
one-line reason; an entry whose number no longer appears in that notebook's prose fails, so the
list stays short. Pure JSON reading: well under a second per notebook.
"""

from __future__ import annotations

import bisect
import json
import pathlib
import re
from decimal import Decimal

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
ALLOWED_PATH = pathlib.Path(__file__).with_name("prose_numbers_allowed.json")
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")) + sorted((NOTEBOOKS / "solutions").glob("[0-9][0-9]_*.ipynb"))
IDS = [path.relative_to(NOTEBOOKS).as_posix() for path in PATHS]

MINUS = "-\u2212"  # hyphen-minus and the minus sign
# a number in prose: not glued to a letter, digit or point before it (so "v3.1", "1-D", "3.10-3.12" read right)
PROSE_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<sign>[{MINUS}](?=\d))?"
    r"(?<![\w.,])(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?P<pct>(?:[ \u00a0\u202f\u2009~]|\\[,;: ])?\\?%)?"
    r"(?![\w]|\.\d|,\d{3}(?!\d))")
# any number in an output or in code: also 1e-05, .5 and 60_000 (1,000 is read whole by THOUSANDS, not as 1 and 000)
ANY_NUMBER = re.compile(
    rf"(?<![\w.])(?<!\d,)(?P<sign>[{MINUS}])?"
    r"(?P<body>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(?!\d|,\d{3}(?!\d))")
THOUSANDS = re.compile(rf"(?<![\w.,])(?P<sign>[{MINUS}])?(?P<body>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?)(?![\d,])")
URL = re.compile(r"\]\([^)]*\)|</?[A-Za-z][^<>]*>|https?://\S+|\b\w[\w.-]*\.(?:ipynb|py|png|svg|json|keras|md)\b")
EXERCISE_LABEL = re.compile(r"(?i)\bexercises?\s+\d\d\.\d+(?:\s*(?:,|and|or|to|-|–)\s*\d\d\.\d+)*")
TEXT_MIMES = ("text/plain", "text/markdown", "text/html")
# terminal colours (Keras' model summaries) and HTML tags carry numbers that no reader sees
INVISIBLE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|</?[A-Za-z][^<>]*>")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def prose_numbers(markdown: str) -> list[tuple[str, Decimal, int, bool, str]]:
    """(the number as written, normalized; its value; its decimals; whether it is a percentage; its sentence)."""
    def blank(match):  # same length, so that the snippet can quote the prose as written
        return " " * len(match[0])

    cleaned = EXERCISE_LABEL.sub(blank, URL.sub(blank, markdown))
    found = []
    for match in PROSE_NUMBER.finditer(cleaned):
        frac, pct = match["frac"], bool(match["pct"])
        if frac is None and not pct:
            continue  # a whole number without %: not checked
        sign = "-" if match["sign"] else ""
        digits = match["int"].replace(",", "") + (f".{frac}" if frac is not None else "")
        written = f"{sign}{digits}" + ("%" if pct else "")
        found.append((written, Decimal(sign + digits), len(frac or ""), pct, _snippet(markdown, match)))
    return found


def _snippet(text: str, match: re.Match, width: int = 70) -> str:
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return ("…" if start else "") + " ".join(text[start:end].split()) + ("…" if end < len(text) else "")


def backing_numbers(cells: list[dict]) -> list[Decimal]:
    """Every number in the code cells' sources and their committed text outputs, sorted."""
    texts = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        texts.append(re.sub(r"(?<=\d)_(?=\d)", "", _text(cell.get("source", ""))))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                texts.append(_text(output.get("text", "")))
            elif output.get("output_type") in ("execute_result", "display_data"):
                data = output.get("data", {})
                texts.extend(_text(data[mime]) for mime in TEXT_MIMES if mime in data)
    values = set()
    for text in texts:
        text = INVISIBLE.sub(" ", text)
        for pattern in (ANY_NUMBER, THOUSANDS):
            for match in pattern.finditer(text):
                body = match["body"].replace(",", "")
                try:
                    value = Decimal(body)
                except ArithmeticError:
                    continue
                values.add(-value if match["sign"] else value)
    return sorted(values)


def _any_within(sorted_values: list[Decimal], low: Decimal, high: Decimal) -> bool:
    i = bisect.bisect_left(sorted_values, low)
    return i < len(sorted_values) and sorted_values[i] <= high


def is_backed(value: Decimal, decimals: int, percentage: bool, numbers: list[Decimal]) -> bool:
    """Some x in `numbers` rounds to `value` at `decimals` decimals; for a percentage, x or 100·x does."""
    half = Decimal(5).scaleb(-decimals - 1)  # half a unit of the last written decimal, inclusive: ties round either way
    if _any_within(numbers, value - half, value + half):
        return True
    return percentage and _any_within(numbers, (value - half) / 100, (value + half) / 100)


def _load(path: pathlib.Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _allowed() -> dict[str, dict[str, str]]:
    return {name: entries for name, entries in _load(ALLOWED_PATH).items() if not name.startswith("_")}


def unbacked(path: pathlib.Path) -> list[str]:
    """One line per prose number of the notebook at `path` that neither its outputs nor its code show."""
    notebook = _load(path)
    allowed = _allowed().get(path.relative_to(NOTEBOOKS).as_posix(), {})
    numbers = backing_numbers(notebook["cells"])
    problems = []
    for index, cell in enumerate(notebook["cells"]):
        if cell.get("cell_type") != "markdown":
            continue
        for written, value, decimals, percentage, snippet in prose_numbers(_text(cell.get("source", ""))):
            if written not in allowed and not is_backed(value, decimals, percentage, numbers):
                problems.append(f"cell {index}: {written!r} in “{snippet}”")
    return problems


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_prose_number_is_printed(path):
    problems = unbacked(path)
    assert not problems, (
        f"notebooks/{path.relative_to(NOTEBOOKS).as_posix()}: {len(problems)} number(s) in the prose appear in no "
        "output or code cell of the notebook. Print each number in an output of the chapter (the prose may round "
        "what is printed), or fix the prose to say what the outputs show; a constant of the literature goes into "
        "tests/prose_numbers_allowed.json with its reason.\n  " + "\n  ".join(problems))


def test_allow_list_names_numbers_that_the_prose_states():
    """Each entry has a reason and names a number that its notebook's prose still writes, so the list stays short."""
    stale = []
    for name, entries in _allowed().items():
        path = NOTEBOOKS / name
        assert path.exists(), f"tests/prose_numbers_allowed.json names {name}, which is not a notebook"
        written = {number[0] for cell in _load(path)["cells"] if cell.get("cell_type") == "markdown"
                   for number in prose_numbers(_text(cell.get("source", "")))}
        for number, reason in entries.items():
            assert isinstance(reason, str) and reason.strip(), f"{name}: {number!r} needs a one-line reason"
            if number not in written:
                stale.append(f"{name}: {number!r}")
    assert not stale, "allow-list entries whose number the prose no longer states (remove them): " + ", ".join(stale)


@pytest.mark.parametrize("markdown, expected", [
    ("right 97 % of the time, and 0.838 after", [("97%", 0), ("0.838", 3)]),
    ("68% and 82.1\u202f% and 98.9\\,\\% in math", [("68%", 0), ("82.1%", 1), ("98.9%", 1)]),
    ("from -1.5 to −0.25, a gap of 1,000.5, 5,000 digits, 1-D, 3.10-3.12", [
        ("-1.5", 1), ("-0.25", 2), ("1000.5", 1), ("3.10", 2), ("3.12", 2)]),
    ("Exercise 05.2 and exercises 06.1 and 06.2; see [this](https://arxiv.org/abs/1406.2661) or run_1.5.py", []),
    ("8 modes, chapter 05, e ≈ 2.7, a step below 1e-4 or $10^{-3}$.", [("2.7", 1)]),
    ("where x < 0.5 and y > 0.25, <span style='width: 0.5em'>", [("0.5", 1), ("0.25", 2)]),
])
def test_prose_numbers_are_read_as_written(markdown, expected):
    assert [(written, decimals) for written, _, decimals, _, _ in prose_numbers(markdown)] == expected


@pytest.mark.parametrize("written, outputs, backed", [
    ("0.838", "auc 0.83812", True),
    ("0.838", "auc 0.8386", False),
    ("0.84", "auc 0.835", True),  # a tie may round either way
    ("82.1 %", "accuracy 0.8214", True),  # 100·x rounds to the percentage
    ("82.1 %", "accuracy 82.1%", True),
    ("82 %", "accuracy 0.8149", False),
    ("20.5", "took 20.46 s", True),
    ("-0.69", "loss 0.69", False),  # the sign counts
    ("-0.69", "loss -0.6931", True),
    ("1,000.5", "1000.5", True),
    ("0.0002", "learning_rate=2e-4", True),
])
def test_rounding_rule(written, outputs, backed):
    (_, value, decimals, percentage, _), = prose_numbers(written)
    cells = [{"cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "text": outputs}]}]
    assert is_backed(value, decimals, percentage, backing_numbers(cells)) is backed
