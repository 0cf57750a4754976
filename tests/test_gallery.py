"""Chapter 12's colour players, recipe and `python -m ganlib train paintings`."""

import json

import numpy as np
import pytest

from ganlib import cli, gallery, paintings


def test_the_players_paint_and_judge_32x32_colour_paintings():
    forger, expert = gallery.painting_generator(latent_dim=8, width=4), gallery.painting_discriminator(width=4)
    images = np.asarray(forger(np.zeros((3, 8), np.float32)))
    assert images.shape == (3, 32, 32, 3) and np.all(np.abs(images) <= 1)
    assert np.asarray(expert(images)).shape == (3, 1)
    conditional = gallery.painting_generator(latent_dim=8, width=4, num_classes=2)
    labels = np.array([0, 1, 1], np.int32)
    painted = np.asarray(conditional([np.zeros((3, 8), np.float32), labels]))
    assert painted.shape == (3, 32, 32, 3)
    assert not np.allclose(painted[0], painted[1])  # the label changes the painting
    judge = gallery.painting_discriminator(width=4, num_classes=2)
    assert np.asarray(judge([painted, labels])).shape == (3, 1)
    with pytest.raises(ValueError, match="num_classes"):
        gallery.painting_generator(num_classes=1)


def test_training_paintings_are_the_painters_with_one_label_per_style():
    images, labels = gallery.training_paintings(("mondrian", "stripes"), num_paintings=10, seed=3)
    assert images.shape == (20, 32, 32, 3)
    np.testing.assert_array_equal(labels, [0] * 10 + [1] * 10)
    np.testing.assert_array_equal(images[:10], paintings.paint(10, "mondrian", seed=3))
    np.testing.assert_array_equal(images[10:], paintings.paint(10, "stripes", seed=3))
    with pytest.raises(ValueError, match="styles must be some of"):
        gallery.training_paintings(("mondrian", "cubism"))


def test_judge_forger_refuses_a_forger_of_other_styles():
    gan = gallery.paintings_gan(width=4, latent_dim=8)
    with pytest.raises(ValueError, match="trained on the styles"):
        gallery.judge_forger(gan, ("mondrian", "stripes"))


def test_train_paintings_writes_a_forger_a_grid_and_the_rule_checks(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "paintings", "--out", str(out), "--epochs", "1", "--seed", "1"]) == 0
    checks = json.loads((out / "metrics.json").read_text())
    assert set(checks) == {"mondrian"}
    assert set(checks["mondrian"]) == {"palette", "rules", "count_tv", "filled_tv", "copies", "nearest_training"}
    assert 0 <= checks["mondrian"]["palette"] <= 1 and 0 <= checks["mondrian"]["count_tv"] <= 1
    run = json.loads((out / "run.json").read_text())
    assert run["steps"] == 125 and run["styles"] == ["mondrian"]
    assert (out / "samples.png").stat().st_size > 0
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "generator.keras"), "--out", str(grid), "-n", "4"]) == 0
    assert grid.stat().st_size > 0
    assert "mondrian palette" in capsys.readouterr().out


def test_unknown_styles_are_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "paintings", "--out", str(tmp_path), "--styles", "mondrian,cubism"])
    assert "expected distinct styles" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "paintings", "--out", str(tmp_path), "--steps", "3"])
