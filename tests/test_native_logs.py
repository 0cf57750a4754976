"""No stray native log lines: each chapter, run the way JupyterLab runs it, writes to stderr only what it means to.

JupyterLab's kernel captures what native code writes to file descriptor 2 and shows it as red
stderr boxes; nbval does not look at stderr, so this test is what sees what a reader sees. Each
chapter runs in fast mode through nbclient with ``capture_fd_output`` on (ipykernel's default) and
without ``TF_CPP_MIN_LOG_LEVEL`` in the environment, as on a fresh machine; any stderr output
fails the test with the notebook and the cell index, unless `ALLOWED_STDERR` lists it.
`ganlib._quiet` is what keeps TensorFlow's start-up notices out (chapter 00); the chapters' setup
cells import ganlib first so that it can.

This is also ``make test``'s fast run of the chapters: a cell that fails fails the test, with its
traceback. ``make verify`` runs the chapters again, in full, under nbval.
"""

import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from ganlib import _quiet

ROOT = pathlib.Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("notebook_kit", ROOT / "scripts" / "notebook_kit.py")
kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit)

CHAPTERS = kit.chapters()

#: (chapter file name, regular expression a whole stderr output must match): stderr a chapter may show.
#: No chapter means to write to stderr, so the list is empty; an entry would say why its line is harmless.
#: (The last one, TensorFlow's "remapper failed" line about a convolution, its bias and LeakyReLU, went
#: with `ganlib.layers.LeakyReLU`.)
ALLOWED_STDERR: list[tuple[str, str]] = []

#: Seconds one cell may take (``make test`` passes its FAST_CELL_TIMEOUT), so that a hang fails with the cell.
CELL_TIMEOUT = int(os.environ.get("GANLIB_CELL_TIMEOUT", "300"))

#: The setup cell's first import, written by `ganlib_first`.
GANLIB_FIRST = "import ganlib  # first: it keeps TensorFlow's native start-up notices out (isort: skip)"
OLD_LEVEL_LINE = 'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")'


def ganlib_first(source: str) -> str:
    """The setup cell ``source`` importing ganlib before anything else, instead of setting the log level itself.

    Removes the ``os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")`` line (ganlib sets it, keeping a
    reader's own setting), ``import os`` if nothing else uses ``os``, and the later ``import ganlib``;
    puts `GANLIB_FIRST` right under the cell's first comment line. A cell already rewritten comes back
    unchanged.
    """
    if GANLIB_FIRST in source:
        return source
    lines = source.splitlines()
    if lines.count(OLD_LEVEL_LINE) != 1 or not lines[0].startswith("# extra code"):
        raise ValueError(f"expected a setup cell with one line {OLD_LEVEL_LINE!r} under an `# extra code` "
                         f"comment; got:\n{source}")
    lines = [line for line in lines if line not in (OLD_LEVEL_LINE, "import ganlib")]
    if not re.search(r"\bos\.", "\n".join(lines)):
        lines.remove("import os")
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines[1:]).strip("\n"))  # no doubled blank lines left behind
    return f"{lines[0]}\n{GANLIB_FIRST}\n\n{body}"


def kernel_environment() -> dict:
    """This environment as a reader's fresh machine has it: fast mode, no log level, Jupyter's own plot backend.

    Without ``PYTEST_CURRENT_TEST`` too: ipykernel does not capture native output when it finds that
    variable, and would hide exactly what this test looks for.
    """
    dropped = ("TF_CPP_MIN_LOG_LEVEL", "MPLBACKEND", "PYTEST_CURRENT_TEST")  # conftest sets the first two
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment["GANLIB_FAST"] = "1"
    return environment


def stderr_outputs(notebook) -> list[tuple[int, str]]:
    """(cell index, text) of every stderr stream output of an executed notebook."""
    return [(index, output["text"]) for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == "stream"
            and output.get("name") == "stderr"]


def unexpected(chapter_name: str, outputs: list[tuple[int, str]]) -> list[str]:
    """Messages for the stderr outputs that `ALLOWED_STDERR` does not allow in this chapter."""
    allowed = [re.compile(pattern, re.DOTALL) for name, pattern in ALLOWED_STDERR if name == chapter_name]
    return [f"{chapter_name}, cell {index}: unexpected stderr:\n{text}" for index, text in outputs
            if not any(pattern.fullmatch(text) for pattern in allowed)]


def test_ganlib_first_rewrites_a_setup_cell_once():
    old = ('# extra code – setup: quiet TensorFlow logs\nimport os\n\nos.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", '
           '"2")\n\nimport keras\n\nimport ganlib\nfrom ganlib import runtime\n\nprint(ganlib.__version__)')
    new = ganlib_first(old)
    assert new == (f"# extra code – setup: quiet TensorFlow logs\n{GANLIB_FIRST}\n\nimport keras\n\n"
                   "from ganlib import runtime\n\nprint(ganlib.__version__)")
    assert ganlib_first(new) == new
    kept_os = old.replace("print(", "print(os.sep, ")
    assert "\nimport os\n" in ganlib_first(kept_os)
    with pytest.raises(ValueError, match="TF_CPP_MIN_LOG_LEVEL"):
        ganlib_first("# extra code – setup\nimport keras")


def test_start_up_notices_go_and_everything_else_stays():
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796103999.197818    4447 port.cc:153] oneDNN custom operations are on.\n"
        "I0000 00:00:1796103999.198762    4447 cudart_stub.cc:31] Could not find cuda drivers on your machine, "
        "GPU will not be used.\n"
        "W0102 15:04:05.123456    4447 some.cc:1] a warning\n"
        "E0000 00:00:1796104002.370236    4447 cuda_platform.cc:52] failed call to cuInit: INTERNAL: (303)\n"
        "E0000 00:00:1796104002.370236    4447 other.cc:9] a real error\n"
        "2024-05-01 12:00:00.000000: I tensorflow/core/util/port.cc:113] oneDNN custom operations are on.\n"
        "/x.py:3: UserWarning: from Python\n"
    )
    assert _quiet.filter_start_up_lines(text, 2) == (
        "E0000 00:00:1796104002.370236    4447 other.cc:9] a real error\n/x.py:3: UserWarning: from Python\n")
    assert "a warning" in _quiet.filter_start_up_lines(text, 1)
    assert "a real error" not in _quiet.filter_start_up_lines(text, 3)
    with_driver = text.replace("Could not find cuda drivers", "Found cuda drivers")
    assert "failed call to cuInit" in _quiet.filter_start_up_lines(with_driver, 2)  # then it is a real failure
    with pytest.raises(ValueError, match="1, 2 or 3"):
        _quiet.filter_start_up_lines(text, 0)


def test_a_bad_log_level_is_refused(monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "quiet")
    with pytest.raises(ValueError, match="0, 1, 2 or 3; got 'quiet'"):
        _quiet.min_log_level()
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    assert _quiet.min_log_level() == 1  # the reader's own setting stays


#: Run in a fresh Python: writes a native error line and plain text to fd 2 just before TensorFlow starts loading.
LOUD_IMPORT = """
import importlib.abc, os, sys
class Loud(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "tensorflow":
            sys.meta_path.remove(self)
            os.write(2, b"E0102 15:04:05.123456  1 real.cc:1] a real native error\\nplain text on fd 2\\n")
sys.meta_path.insert(0, Loud())
import ganlib
"""
NOTICES = ("absl::InitializeLog", "oneDNN custom operations", "Could not find cuda drivers", "failed call to cuInit")


def _import_ganlib(**environment) -> str:
    """The stderr of a fresh ``import ganlib`` (through `LOUD_IMPORT`) with ``environment`` added."""
    completed = subprocess.run([sys.executable, "-c", LOUD_IMPORT], capture_output=True, text=True,
                               env={**kernel_environment(), **environment})
    assert completed.returncode == 0, completed.stderr
    return completed.stderr


def test_import_ganlib_keeps_out_the_notices_and_nothing_else():
    # TensorFlow turns oneDNN on by itself only on CPUs with neural-network units (AVX-512 VNNI or BF16, AMX, ...);
    # asked to, it does on any x86 CPU, so its notice is printed (and must be kept out) wherever this test runs
    onednn_on = {"TF_ENABLE_ONEDNN_OPTS": "1"}
    quiet = _import_ganlib(**onednn_on)
    assert "a real native error\nplain text on fd 2\n" in quiet
    assert [notice for notice in NOTICES if notice in quiet] == []
    loud = _import_ganlib(TF_CPP_MIN_LOG_LEVEL="0", **onednn_on)  # the reader's own setting: every line
    assert "a real native error" in loud and "absl::InitializeLog" in loud and "oneDNN custom operations" in loud


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[chapter.name for chapter in CHAPTERS])
def test_a_chapter_writes_nothing_unexpected_to_stderr(chapter):
    notebook = nbformat.read(chapter, as_version=4)
    setup = kit._setup_cell(notebook, chapter)
    setup.source = ganlib_first(setup.source)  # a no-op once the chapter's setup cell imports ganlib first
    client = NotebookClient(
        notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
        extra_arguments=["--IPKernelApp.capture_fd_output=True"],  # as JupyterLab: native output shows
        resources={"metadata": {"path": str(chapter.parent)}},
    )
    client.execute(env=kernel_environment())
    problems = unexpected(chapter.name, stderr_outputs(notebook))
    assert not problems, "\n\n".join(problems)
