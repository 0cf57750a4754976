"""``python -m ganlib sample`` refuses a file it cannot draw from with one line on stderr and exit status 1."""

import json
import shutil
import subprocess
import sys
import zipfile

import keras
import numpy as np
import pytest

from ganlib import cli, models


def _sample(path, tmp_path, capsys):
    """Run ``sample`` on ``path``; return (status, stderr lines, whether a grid was written)."""
    grid = tmp_path / "grid.png"
    status = cli.main(["sample", str(path), "--out", str(grid), "-n", "10"])
    captured = capsys.readouterr()
    return status, captured.err.splitlines(), grid.exists()


def _refused(path, tmp_path, capsys, *expected):
    status, lines, wrote = _sample(path, tmp_path, capsys)
    assert status == 1 and not wrote
    assert len(lines) == 1, lines  # one line, no traceback
    assert lines[0].startswith("python -m ganlib sample: ")
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def forgers(tmp_path_factory):
    """Tiny models of every kind, saved as .keras files."""
    folder = tmp_path_factory.mktemp("models")
    saved = {
        "forger": models.dcgan_generator(latent_dim=8, width=2),
        "conditional_forger": models.conditional_dcgan_generator(latent_dim=8, num_classes=3, width=2,
                                                                 embedding_dim=2),
        "expert": models.dcgan_discriminator(width=2),
        "conditional_expert": models.conditional_dcgan_discriminator(num_classes=3, width=2, projection=False),
        "points_forger": models.mlp_generator(latent_dim=4, width=8, depth=1),
        "image_classifier": keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                              keras.layers.Dense(10, activation="softmax")]),
        "vector_classifier": keras.Sequential([keras.Input((8,)), keras.layers.Dense(10, activation="softmax")]),
    }
    paths = {}
    for name, model in saved.items():
        paths[name] = folder / f"{name}.keras"
        cli.save_forger(model, paths[name], num_classes=3 if name == "conditional_forger" else None)
    return paths


def test_both_kinds_of_digit_forger_are_drawn(forgers, tmp_path, capsys):
    for name in ("forger", "conditional_forger"):
        status, lines, wrote = _sample(forgers[name], tmp_path, capsys)
        assert (status, lines, wrote) == (0, [], True), name


def test_garbage_bytes_are_refused_without_a_file_not_found(tmp_path, capsys):
    damaged = tmp_path / "generator.keras"
    damaged.write_bytes(np.random.default_rng(0).bytes(300))
    line = _refused(damaged, tmp_path, capsys, str(damaged), "not one", "damaged")
    assert "File not found" not in line


def test_a_truncated_archive_is_refused(forgers, tmp_path, capsys):
    whole = forgers["forger"].read_bytes()
    truncated = tmp_path / "generator.keras"
    truncated.write_bytes(whole[: len(whole) // 2])
    _refused(truncated, tmp_path, capsys, "damaged, truncated")


@pytest.mark.parametrize("broken", ["config.json", "model.weights.h5"])
def test_an_archive_with_a_broken_member_is_refused(forgers, tmp_path, capsys, broken):
    damaged = tmp_path / "generator.keras"
    with zipfile.ZipFile(forgers["forger"]) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            target.writestr(item, b"{not json" if item.filename == broken else source.read(item.filename))
    _refused(damaged, tmp_path, capsys, "cannot be loaded", str(damaged))


def test_a_missing_file_and_a_folder_are_refused(tmp_path, capsys):
    _refused(tmp_path / "nowhere.keras", tmp_path, capsys, "does not exist")
    folder = tmp_path / "folder.keras"
    folder.mkdir()
    _refused(folder, tmp_path, capsys, "is a folder")


@pytest.mark.parametrize("name, expected", [
    ("expert", "first input is latent vectors"),
    ("image_classifier", "of shape (28, 28, 1)"),
    ("vector_classifier", "output has shape (10,)"),
    ("points_forger", "2-D points"),
    ("conditional_expert", "first input is latent vectors"),
])
def test_a_model_that_is_not_a_digit_forger_is_refused(forgers, tmp_path, capsys, name, expected):
    _refused(forgers[name], tmp_path, capsys, "is not a forger of images", expected)


def test_a_conditional_forger_whose_labels_are_not_integers_is_refused(tmp_path, capsys):
    latent, labels = keras.Input((8,)), keras.Input((), dtype="float32")
    embedded = keras.layers.Embedding(3, 2)(labels)
    image = keras.layers.Reshape((4, 4, 1))(keras.layers.Dense(16)(keras.layers.Concatenate()([latent, embedded])))
    path = tmp_path / "float_labels.keras"
    keras.Model([latent, labels], image).save(path)
    _refused(path, tmp_path, capsys, "integer labels", "float32")


def test_a_two_input_forger_without_an_embedding_is_refused(tmp_path, capsys):
    latent, labels = keras.Input((8,)), keras.Input((1,), dtype="int32")
    mixed = keras.layers.Concatenate()([latent, keras.layers.Activation("linear", dtype="float32")(labels)])
    image = keras.layers.Reshape((4, 4, 1))(keras.layers.Dense(16)(mixed))
    path = tmp_path / "no_embedding.keras"
    keras.Model([latent, labels], image).save(path)
    _refused(path, tmp_path, capsys, "Embedding")


def test_a_conditional_forger_records_its_class_count_beside_it(forgers, tmp_path, capsys):
    assert json.loads(forgers["conditional_forger"].with_suffix(".json").read_text()) == {"num_classes": 3}
    assert not forgers["forger"].with_suffix(".json").exists()
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(forgers["conditional_forger"]), "--out", str(grid), "-n", "10"]) == 0
    assert "wrote 9 samples (3 per label, one row each)" in capsys.readouterr().out


def test_a_conditional_forger_without_its_record_is_refused_with_the_fix(forgers, tmp_path, capsys):
    bare = tmp_path / "generator.keras"
    shutil.copy(forgers["conditional_forger"], bare)
    line = _refused(bare, tmp_path, capsys, "is a conditional forger", f"expected {tmp_path / 'generator.json'}",
                    "got no such file", "num_classes", "save_forger")
    assert "Embedding" not in line  # the class count is read from the record, never guessed
    for text in ("{not json", '{"classes": 3}', '{"num_classes": 1}', '{"num_classes": "3"}', "[3]"):
        bare.with_suffix(".json").write_text(text)
        _refused(bare, tmp_path, capsys, "expected", "to hold {\"num_classes\": K} with an integer K >= 2", "got")


def test_save_forger_refuses_a_bad_class_count(forgers, tmp_path):
    with pytest.raises(ValueError, match="num_classes must be None or an integer >= 2; got 1"):
        cli.save_forger(keras.models.load_model(forgers["conditional_forger"]), tmp_path / "g.keras", num_classes=1)


def test_the_command_line_exits_with_status_1_and_one_line(tmp_path):
    damaged = tmp_path / "generator.keras"
    damaged.write_bytes(b"not a zip")
    completed = subprocess.run([sys.executable, "-m", "ganlib", "sample", str(damaged), "--out",
                                str(tmp_path / "grid.png")], capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stderr.splitlines() == [  # TensorFlow's start-up notices stay out too (ganlib._quiet)
        f"python -m ganlib sample: expected a .keras archive (a zip file, as `train` writes); {damaged} is not one: "
        "damaged, truncated or another kind of file"]
