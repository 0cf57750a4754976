"""The mode benchmark's results file is refused when today's code or settings did not make it (chapter 06)."""

import copy
import json
import pathlib

import pytest

from ganlib import provenance, recipes

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRODUCER = ROOT / "benchmarks" / "modes.py"
COMMITTED = ROOT / "benchmarks" / "results" / "modes.json"


def todays_settings():
    return {name: recipes.toy_settings(name) for name in recipes.TOY_RECIPES}


def fresh_results():
    return {"fingerprint": provenance.producer_fingerprint(PRODUCER), "settings": todays_settings(), "runs": []}


def write(tmp_path, results):
    path = tmp_path / "modes.json"
    path.write_text(json.dumps(results))
    return path


def test_the_benchmark_depends_on_the_modules_that_train_and_judge():
    files = provenance.producer_fingerprint(PRODUCER)["files"]
    for module in ("benchmarks/modes.py", "ganlib/gan.py", "ganlib/recipes/toy.py", "ganlib/modes.py",
                   "ganlib/losses.py", "ganlib/models.py", "ganlib/data.py"):
        assert module in files, module
    assert "ganlib/cli.py" not in files and "ganlib/exercises/core.py" not in files


def test_a_file_made_by_todays_code_and_settings_loads(tmp_path):
    results = provenance.load_results(write(tmp_path, fresh_results()), PRODUCER, todays_settings())
    assert results["settings"] == json.loads(json.dumps(todays_settings()))


def test_a_file_made_by_other_code_is_refused_with_the_changed_module(tmp_path):
    results = fresh_results()
    results["fingerprint"]["files"]["ganlib/gan.py"] = "0" * 16
    with pytest.raises(ValueError, match=r"other code than today's: ganlib/gan\.py changed"):
        provenance.load_results(write(tmp_path, results), PRODUCER, todays_settings())


def test_a_file_made_with_other_settings_is_refused(tmp_path):
    results = fresh_results()
    changed = copy.deepcopy(results)
    changed["settings"]["plain"]["steps"] = 20  # a run with --steps 20
    with pytest.raises(ValueError, match=r"other settings than today's for \['plain'\]"):
        provenance.load_results(write(tmp_path, changed), PRODUCER, todays_settings())
    missing = copy.deepcopy(results)
    del missing["settings"]["ttur"]  # a recipe that was never benchmarked
    with pytest.raises(ValueError, match=r"\['ttur'\]"):
        provenance.load_results(write(tmp_path, missing), PRODUCER, todays_settings())


def test_a_file_without_a_fingerprint_is_refused(tmp_path):
    results = fresh_results()
    del results["fingerprint"]
    with pytest.raises(ValueError, match="records no fingerprint"):
        provenance.load_results(write(tmp_path, results), PRODUCER, todays_settings())


def test_merge_refuses_runs_made_by_other_code(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("modes_benchmark", PRODUCER)
    modes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(modes)
    old_run = {"recipe": "ttur", "dataset": "ring", "seed": 0, "steps": 2000, "seconds": 1.0, "modes": 8,
               "num_modes": 8, "high_quality": 0.9, "reverse_kl": 0.1, "num_samples": 2500, "fingerprint": "old"}
    out = write(tmp_path, {"runs": [old_run], "commands": [], "total_minutes": 1.0,
                           "settings": {"ttur": recipes.toy_settings("ttur")}})
    with pytest.raises(SystemExit, match=r"runs of \['ttur'\].*Run them again too: --recipes plain,ttur"):
        modes.main(["--recipes", "plain", "--datasets", "ring", "--seeds", "1", "--steps", "5", "--merge",
                    "--out", str(out)])


def test_the_committed_results_come_from_todays_code_and_recipes():
    provenance.load_results(COMMITTED, PRODUCER, todays_settings())
