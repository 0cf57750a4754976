"""The mode statistics of the 2-D benchmarks (chapters 05-06) on samples with known answers."""

import pathlib

import numpy as np
import pytest

from ganlib import data, modes, recipes


@pytest.mark.parametrize("dataset, centres", [("ring", data.ring_modes()), ("grid", data.grid_modes())])
def test_samples_exactly_at_every_mode_capture_all_with_zero_kl(dataset, centres):
    samples = np.repeat(centres, 3, axis=0)
    result = modes.mode_statistics(samples, dataset)
    assert result["modes"] == result["num_modes"] == len(centres)
    assert result["high_quality"] == 1.0
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    assert result["num_samples"] == 3 * len(centres)


@pytest.mark.parametrize("dataset, num_modes", [("ring", 8), ("grid", 25)])
def test_all_samples_at_one_mode_give_one_mode_and_kl_log_k(dataset, num_modes):
    centres, _ = modes.benchmark_modes(dataset)
    samples = np.repeat(centres[3:4], 100, axis=0)
    result = modes.mode_statistics(samples, dataset)
    assert result["modes"] == 1
    assert result["high_quality"] == 1.0
    assert result["reverse_kl"] == pytest.approx(np.log(num_modes))


def test_two_modes_in_equal_shares_give_kl_log_k_over_2():
    samples = np.repeat(data.ring_modes()[[0, 4]], 50, axis=0)
    result = modes.mode_statistics(samples, "ring")
    assert result["modes"] == 2
    assert result["reverse_kl"] == pytest.approx(np.log(8 / 2))


def test_uneven_shares_match_the_formula():
    # 3 samples at mode 0, 1 at mode 1 on the ring: p = (3/4, 1/4), KL = sum p log(8 p)
    samples = data.ring_modes()[[0, 0, 0, 1]]
    expected = 0.75 * np.log(8 * 0.75) + 0.25 * np.log(8 * 0.25)
    assert modes.mode_statistics(samples, "ring")["reverse_kl"] == pytest.approx(expected)


def test_points_far_from_every_mode_are_not_high_quality():
    samples = np.full((50, 2), 10.0)  # far outside both benchmarks
    for dataset, num_modes in [("ring", 8), ("grid", 25)]:
        result = modes.mode_statistics(samples, dataset)
        assert result["modes"] == 0
        assert result["high_quality"] == 0.0
        # no high-quality sample: the histogram is empty, reported as the worst value log(num_modes)
        assert result["reverse_kl"] == pytest.approx(np.log(num_modes))


def test_the_three_standard_deviation_boundary():
    ring_std, grid_std = data.RING_STD, data.GRID_STD
    inside = data.ring_modes()[:1] + np.array([[2.9 * ring_std, 0.0]])
    outside = data.ring_modes()[:1] + np.array([[3.1 * ring_std, 0.0]])
    assert modes.mode_statistics(inside, "ring")["high_quality"] == 1.0
    assert modes.mode_statistics(outside, "ring")["high_quality"] == 0.0
    # the grid's std is 5 times the ring's: 0.1 away is high quality there, not on the ring
    near = data.grid_modes()[:1] + np.array([[0.0, 2.0 * grid_std]])
    assert modes.mode_statistics(near, "grid")["high_quality"] == 1.0


def test_half_the_samples_far_away_halves_the_quality_not_the_modes():
    good = np.repeat(data.ring_modes(), 10, axis=0)
    far = np.zeros((80, 2))  # the centre of the ring, distance 1 from every mode
    result = modes.mode_statistics(np.concatenate([good, far]), "ring")
    assert result["modes"] == 8
    assert result["high_quality"] == pytest.approx(0.5)
    assert result["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_real_samples_score_near_perfect():
    # 3 standard deviations in 2-D hold 1 - exp(-4.5) = 98.9 % of a Gaussian
    for dataset, sampler in [("ring", data.sample_ring), ("grid", data.sample_grid)]:
        result = modes.mode_statistics(sampler(2500, seed=0), dataset)
        assert result["modes"] == result["num_modes"]
        assert abs(result["high_quality"] - (1 - np.exp(-4.5))) < 0.01
        assert result["reverse_kl"] < 0.02


def test_mode_histogram_counts_high_quality_samples_per_mode():
    centres = data.ring_modes()
    samples = np.concatenate([np.repeat(centres[:1], 5, axis=0), centres[2:3], [[5.0, 5.0]]])
    counts = modes.mode_histogram(samples, "ring")
    assert counts.tolist() == [5, 0, 1, 0, 0, 0, 0, 0]


def test_not_finite_samples_are_never_high_quality():
    samples = np.array([[np.nan, 0.0], [np.inf, 1.0], [1.0, 0.0]])
    result = modes.mode_statistics(samples, "ring")
    assert result["modes"] == 1
    assert result["high_quality"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "samples, dataset, message",
    [
        (np.zeros((10, 3)), "ring", "shape"),
        (np.zeros(10), "ring", "shape"),
        (np.zeros((0, 2)), "ring", "shape"),
        (np.array([["a", "b"]]), "ring", "numbers"),
        (np.zeros((10, 2)), "spiral", "ring"),
    ],
)
def test_bad_input_raises_value_error(samples, dataset, message):
    with pytest.raises(ValueError, match=message):
        modes.mode_statistics(samples, dataset)


def test_benchmark_script_runs_in_parallel_children_and_writes_its_results(tmp_path):
    """benchmarks/modes.py --jobs 2: every (recipe, data set, seed) run comes back, in order, in the results file."""
    import json
    import subprocess
    import sys

    out = tmp_path / "modes.json"
    command = [sys.executable, "benchmarks/modes.py", "--recipes", "plain", "--datasets", "ring", "--seeds", "2",
               "--steps", "20", "--jobs", "2", "--out", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=300,
                               cwd=pathlib.Path(__file__).resolve().parent.parent)
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads(out.read_text())
    assert [(run["recipe"], run["dataset"], run["seed"], run["steps"]) for run in results["runs"]] == [
        ("plain", "ring", 0, 20), ("plain", "ring", 1, 20)]
    # a run's numbers are those of its own seed's forger: seed 1's, trained again here, its 2,500 samples measured
    run = results["runs"][1]
    gan, _ = recipes.train_toy("ring", "plain", steps=20, seed=1)
    again = modes.mode_statistics(gan.generate(2500, seed=1000 + 1), "ring")
    assert (run["modes"], run["num_modes"], run["num_samples"]) == (
        again["modes"], again["num_modes"], again["num_samples"]), run
    assert run["high_quality"] == pytest.approx(again["high_quality"], abs=2 / 2500), run
    assert run["reverse_kl"] == pytest.approx(again["reverse_kl"], abs=0.02), run
    # the summary row holds each seed's value (in seed order), their mean, lowest and highest
    row = results["summary"][0]
    for key in ("modes", "high_quality", "reverse_kl", "seconds"):
        values = [run[key] for run in results["runs"]]
        assert row[key + "_per_seed"] == values, key
        assert row[key] == pytest.approx(np.mean(values)), key
        assert (row[key + "_min"], row[key + "_max"]) == (min(values), max(values)), key
    assert results["summary"][0]["seeds"] == 2 and results["beats_pacgan4"] == []
    assert "--jobs 2" in results["commands"][-1]
