"""``python -m ganlib train ring|grid`` end to end, with few steps (chapter 06's recipes)."""

import json

import keras
import numpy as np
import pytest

from ganlib import cli, modes, recipes


@pytest.mark.parametrize("target", ["ring", "grid"])
def test_train_toy_writes_a_reloadable_forger_a_plot_and_metrics(tmp_path, target, capsys):
    out = tmp_path / target
    assert cli.main(["train", target, "--out", str(out), "--steps", "40", "--seed", "1"]) == 0
    for name in ("generator.keras", "samples.png", "metrics.json", "run.json"):
        assert (out / name).is_file(), name
    generator = keras.models.load_model(out / "generator.keras")
    latent = np.random.default_rng(0).standard_normal((7, generator.input_shape[-1])).astype(np.float32)
    points = np.asarray(generator.predict(latent, verbose=0))
    assert points.shape == (7, 2) and points.dtype == np.float32
    statistics = json.loads((out / "metrics.json").read_text())
    assert set(statistics) >= {"modes", "num_modes", "high_quality", "reverse_kl", "num_samples"}
    assert statistics["num_modes"] == {"ring": 8, "grid": 25}[target]
    assert statistics["num_samples"] == 2500
    # the statistics are those of the saved forger's 2,500 samples from the run's seed (as gan.generate draws them)
    latent = keras.random.normal((2500, generator.input_shape[-1]), seed=1)
    samples = np.concatenate([keras.ops.convert_to_numpy(generator(latent[start : start + 1024], training=False))
                              for start in range(0, 2500, 1024)])
    recomputed = modes.mode_statistics(samples, target)
    assert statistics == pytest.approx(recomputed, rel=1e-6, abs=1e-9)
    run = json.loads((out / "run.json").read_text())
    assert run["steps"] == 40 and run["recipe"] == recipes.BEST_TOY_RECIPE
    printed = capsys.readouterr().out
    assert "high_quality" in printed and "reverse_kl" in printed


def test_a_named_recipe_is_used(tmp_path):
    name = sorted(recipes.TOY_RECIPES)[0]
    assert cli.main(["train", "ring", "--recipe", name, "--out", str(tmp_path), "--steps", "20"]) == 0
    assert json.loads((tmp_path / "run.json").read_text())["recipe"] == name


def _refused_by_argparse(argv, capsys, expected):
    """argparse refuses ``argv`` (exit status 2) with ``expected`` in its one error line on stderr."""
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert expected in capsys.readouterr().err.splitlines()[-1]


def test_an_unknown_recipe_is_a_clean_error(tmp_path, capsys):
    _refused_by_argparse(["train", "ring", "--recipe", "nope", "--out", str(tmp_path)], capsys,
                         "argument --recipe: unknown recipe 'nope'; expected one of: " + ", ".join(sorted(
                             recipes.TOY_RECIPES)))
    assert not (tmp_path / "generator.keras").exists()


@pytest.mark.parametrize("flag", [["--seconds", "5"], ["--epochs", "2"], ["--precision", "float32"]])
def test_digits_options_are_refused_for_toy_targets(tmp_path, capsys, flag):
    _refused_by_argparse(["train", "grid", *flag, "--out", str(tmp_path)], capsys,
                         "unrecognized arguments: " + " ".join(flag))


def test_toy_recipes_train_exactly_the_steps_asked_and_check_their_settings():
    gan, history = recipes.train_toy("grid", "packed", steps=30, seed=0)
    assert int(gan.g_optimizer.iterations.numpy()) == 30
    assert gan.pack == recipes.TOY_RECIPES["packed"]["pack"]
    # 30 steps make one epoch of 30 (epochs of up to 100 equal steps): one row of the four metrics
    assert {name: len(values) for name, values in history.history.items()} == {
        "d_loss": 1, "g_loss": 1, "d_real": 1, "d_fake": 1}
    with pytest.raises(ValueError, match="unknown toy recipe"):
        recipes.toy_settings("nope")
    with pytest.raises(ValueError, match="unknown toy settings"):
        recipes.toy_settings("plain", learning_rate=1e-3)
    with pytest.raises(ValueError, match="dataset"):
        recipes.train_toy("spiral", "plain", steps=5)
    assert recipes.BEST_TOY_RECIPE in recipes.TOY_RECIPES


def test_the_same_seed_gives_the_same_forger():
    first, _ = recipes.train_toy("ring", "plain", steps=20, seed=3)
    second, _ = recipes.train_toy("ring", "plain", steps=20, seed=3)
    np.testing.assert_array_equal(first.generate(50, seed=0), second.generate(50, seed=0))


@pytest.mark.parametrize("target", ["digits", "conditional-digits"])
@pytest.mark.parametrize("flag", [["--recipe", "plain"], ["--steps", "10"]])
def test_toy_options_are_refused_for_digits(tmp_path, capsys, target, flag):
    _refused_by_argparse(["train", target, *flag, "--out", str(tmp_path)], capsys,
                         "unrecognized arguments: " + " ".join(flag))


def test_each_target_runs_its_own_command():
    parse = cli.build_parser().parse_args
    assert parse(["train", "digits", "--out", "x"]).run is cli.train_digits_command
    arguments = parse(["train", "conditional-digits", "--out", "x", "--epochs", "2"])
    assert arguments.run is cli.train_conditional_digits_command
    assert (arguments.epochs, arguments.seconds, arguments.precision, arguments.seed) == (2, None, "auto", 0)
    for target in ("ring", "grid"):
        arguments = parse(["train", target, "--out", "x"])
        assert arguments.run is cli.train_toy_command
        assert (arguments.recipe, arguments.steps, arguments.seed) == (recipes.BEST_TOY_RECIPE, None, 0)
    arguments = parse(["sample", "g.keras", "--out", "grid.png"])
    assert arguments.run is cli.sample_command and (arguments.num_samples, arguments.seed) == (64, 0)
