"""Builders, pictures, callbacks, fast mode and the command line."""

import json

import keras
import numpy as np
import pytest
from PIL import Image

import ganlib
from ganlib import callbacks, cli, data, models, plots, recipes, runtime


def test_builders_give_the_shapes_the_game_expects():
    generator, discriminator = models.dcgan_generator(latent_dim=16, width=8), models.dcgan_discriminator(width=8)
    images = generator(np.zeros((3, 16), np.float32))
    assert images.shape == (3, 28, 28, 1)
    assert discriminator(images).shape == (3, 1)
    assert models.mlp_generator(latent_dim=3, output_dim=5).output_shape == (None, 5)
    spectral = models.mlp_discriminator(spectral_normalization=True)
    assert any(isinstance(layer, keras.layers.SpectralNormalization) for layer in spectral.layers)
    with pytest.raises(ValueError, match="width must be a positive integer; got 0"):
        models.dcgan_generator(width=0)


def test_synchronized_batch_norm_is_an_option_that_changes_nothing_on_one_device():
    """On one device synchronized statistics are the batch's own: same weights, same images (chapter 11)."""
    def norms(model):
        return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]

    plain = models.dcgan_generator(latent_dim=8, width=4)
    synchronized = models.dcgan_generator(latent_dim=8, width=4, synchronized_batch_norm=True)
    assert [layer.synchronized for layer in norms(plain)] == [False, False]
    assert [layer.synchronized for layer in norms(synchronized)] == [True, True]
    synchronized.set_weights(plain.get_weights())
    latent = np.random.default_rng(0).normal(size=(6, 8)).astype(np.float32)
    np.testing.assert_allclose(synchronized(latent, training=True), plain(latent, training=True), atol=1e-6)
    conditional = models.conditional_dcgan_generator(latent_dim=8, width=4, embedding_dim=4,
                                                     synchronized_batch_norm=True)
    assert all(layer.synchronized for layer in norms(conditional)) and len(norms(conditional)) == 2
    with pytest.raises(ValueError, match="synchronized_batch_norm must be True or False; got 'yes'"):
        models.dcgan_generator(synchronized_batch_norm="yes")


def test_image_grid_tiles_in_order():
    images = np.stack([np.full((2, 2), value, np.float32) for value in (-1.0, 0.0, 1.0)])
    grid = plots.image_grid(images, num_columns=3, padding=1)
    assert grid.shape == (4, 10)
    assert grid[1, 1] == 0.0 and grid[1, 4] == 0.5 and grid[1, 7] == 1.0
    with pytest.raises(ValueError, match="expected grayscale images"):
        plots.image_grid(np.zeros((2, 3)))


def test_sample_grid_keeps_frames_and_writes_a_gif(tmp_path):
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.dcgan_generator(latent_dim=8, width=4), models.dcgan_discriminator(width=4), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    images = data.scale_images(data.load_digits(split="test")[0][:64])
    grid = callbacks.SampleGrid(num_samples=9, every=1, out_dir=tmp_path)
    gan.fit(data.make_dataset(images, 32, seed=0), epochs=2, verbose=0, callbacks=[grid])
    assert grid.epochs == [0, 1, 2] and len(grid.frames) == 3
    assert not np.allclose(grid.frames[0], grid.frames[2])  # the forger changed
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    gif = grid.save_gif(tmp_path / "progress.gif")
    with Image.open(gif) as animation:
        assert animation.n_frames == 3


def test_time_budget_stops_training():
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    budget = callbacks.TimeBudget(1.0, progress=False)
    gan.fit(data.make_dataset(data.sample_ring(256), 64), epochs=100_000, verbose=0, callbacks=[budget])
    assert 1.0 <= budget.elapsed < 10.0 and budget.steps > 0
    with pytest.raises(ValueError, match="seconds must be > 0"):
        callbacks.TimeBudget(0)


def test_fast_mode_scales_steps_only(monkeypatch):
    monkeypatch.setenv("GANLIB_FAST", "1")
    assert runtime.fast_mode() and runtime.steps(1000, 10) == 10
    monkeypatch.setenv("GANLIB_FAST", "0")
    assert not runtime.fast_mode() and runtime.steps(1000, 10) == 1000
    monkeypatch.setenv("GANLIB_FAST", "maybe")
    with pytest.raises(ValueError, match="GANLIB_FAST must be"):
        runtime.fast_mode()
    with pytest.raises(ValueError, match="1 <= fast <= full"):
        runtime.steps(10, 20)


def test_precision_choice():
    assert recipes.resolve_precision("float32") == "float32"
    assert recipes.resolve_precision("auto") in ("float32", "bfloat16")
    with pytest.raises(ValueError, match="precision must be one of"):
        recipes.resolve_precision("float16")


def test_command_line_trains_saves_and_samples(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "digits", "--out", str(out), "--seconds", "3", "--seed", "1"]) == 0
    generator = keras.models.load_model(out / "generator.keras")
    assert generator.input_shape == (None, recipes.DIGITS_RECIPE["latent_dim"])
    assert generator.compute_dtype == "float32"
    images = generator.predict(np.random.default_rng(0).standard_normal((5, generator.input_shape[1])), verbose=0)
    assert images.shape == (5, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    assert (out / "samples.png").stat().st_size > 1000
    quality = json.loads((out / "metrics.json").read_text())
    assert {"frechet_distance", "precision", "recall", "class_coverage"} <= set(quality)
    assert quality["frechet_distance"] > 0 and 0 <= quality["precision"] <= 1
    summary = json.loads((out / "run.json").read_text())
    assert summary["steps"] > 0 and set(summary) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "generator.keras"), "--out", str(grid), "-n", "16"]) == 0
    with Image.open(grid) as picture:
        assert picture.size[0] > 100
    assert "wrote 16 samples" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["train", "digits", "--out", str(out), "--seconds", "-1"])


def test_generator_average_is_the_warmed_up_moving_average_of_the_weights():
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.mlp_generator(width=8, depth=1), models.mlp_discriminator(width=8, depth=1), seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append([w.numpy().copy() for w in self.model.generator.weights])

        def on_train_batch_end(self, batch, logs=None):
            seen.append([w.numpy().copy() for w in self.model.generator.weights])

    average = callbacks.GeneratorAverage(momentum=0.9, apply_at_end=False)
    gan.fit(data.make_dataset(data.sample_ring(640), 64), epochs=2, verbose=0, callbacks=[Record(), average])
    expected = seen[0]  # the average starts from the weights training starts with
    for step, weights in enumerate(seen[1:], start=1):
        momentum = min(0.9, (1 + step) / (10 + step))
        expected = [momentum * e + (1 - momentum) * w for e, w in zip(expected, weights)]
    assert len(seen) == 21  # 10 steps per epoch, 2 epochs, plus the start
    for got, want in zip(average.average, expected):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    assert not np.allclose(expected[0], seen[-1][0])  # the average lags the live weights...
    average.apply()
    np.testing.assert_allclose(gan.generator.weights[0].numpy(), expected[0], rtol=1e-6)  # ...until applied
