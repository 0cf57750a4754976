"""benchmarks/throughput.py (chapter 11) end to end, with few steps: the table it prints and what it measures."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
STEPS, BATCH_SIZE = 4, 64


def number(text):
    return float(text.replace(",", ""))


def test_throughput_prints_a_row_per_configuration_with_the_wait_after_training():
    command = [sys.executable, "benchmarks/throughput.py", "--only", "fit float32", "loop float32",
               "--steps", str(STEPS), "--warmup", "2"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert completed.returncode == 0, completed.stderr[-2000:]
    rows = {line.split("|")[1].strip().split(" (")[0]: [cell.strip() for cell in line.split("|")[2:-1]]
            for line in completed.stdout.splitlines() if line.startswith("| fit") or line.startswith("| loop")}
    assert set(rows) == {"fit float32", "loop float32"}
    # each child's speed, as the script reported it on stderr when that child finished
    finished = {name: [number(speed) for speed in re.findall(rf"^  {name}: ([\d,.]+) images/s$", completed.stderr,
                                                             flags=re.MULTILINE)] for name in rows}
    speeds = {}
    for name, (replicas, dtype, speed, each_run, waited, samples) in rows.items():
        assert replicas == "1" and dtype == "float32", name
        assert [number(value) for value in each_run.split(", ")] == finished[name] and len(finished[name]) == 1, name
        speeds[name] = number(speed)
        # the wait comes after training ended, inside the timed fit of STEPS batches: never longer than that fit
        assert 0.0 <= float(waited) <= STEPS * BATCH_SIZE / speeds[name] + 0.01, name
        assert samples == "yes", name
    assert float(rows["loop float32"][4]) == 0.0  # the hand loop has no fit() to wait in
    assert "GAN.fit / hand-written loop (float32):" in completed.stdout
    ratio = float(re.search(r"GAN\.fit / hand-written loop \(float32\): ([\d.]+)", completed.stdout).group(1))
    fit, loop = speeds["fit float32"], speeds["loop float32"]
    assert ratio == pytest.approx(fit / loop, abs=0.005 + fit / loop * (1 / fit + 1 / loop))  # speeds to the unit
