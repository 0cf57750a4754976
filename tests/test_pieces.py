"""Builders, pictures, callbacks, fast mode and the command line."""

import json
import pathlib
import types

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import ganlib
from ganlib import callbacks, cli, data, metrics, models, plots, recipes, runtime


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
    with pytest.raises(ValueError, match="spent must be >= 0"):
        callbacks.TimeBudget(1.0, spent=-1.0)


def test_time_budget_shows_the_share_spent_and_the_losses(capsys):
    budget = callbacks.TimeBudget(60.0, spent=6.0)  # 6 s of clustering, then 60 s of training
    budget.steps, budget.elapsed = 310, 21.0
    line = budget.progress_line({"d_loss": 1.2134, "g_loss": 0.9512})
    assert line == " 41% [========............] 27/66 s, 310 steps, d_loss 1.21, g_loss 0.951"
    budget.elapsed = 80.0  # past the end: the bar is full, not beyond
    assert budget.progress_line().startswith("100% [====================] 66/66 s")
    # written to a log (not a terminal), the line is printed once per quarter of the budget, and at the end
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), seed=0)
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    gan.fit(data.make_dataset(data.sample_ring(256), 64), epochs=100_000, verbose=0,
            callbacks=[callbacks.TimeBudget(3.0)])
    lines = capsys.readouterr().out.splitlines()
    shares = [int(line[:3]) for line in lines]  # the first step (tracing) may pass several quarters at once
    assert 2 <= len(shares) <= 4 and shares == sorted(set(shares)) and shares[-1] == 100, lines
    assert all("steps, d_loss" in line and "g_loss" in line for line in lines), lines


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


def test_precision_choice(monkeypatch):
    assert runtime.resolve_precision("float32") == "float32"
    with pytest.raises(ValueError, match="precision must be one of"):
        runtime.resolve_precision("float16")
    # "auto" picks bfloat16 only on a machine without a GPU whose CPU has bf16 units
    fake_gpu = [tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")]
    answers = {}
    for bf16_units, gpus in [(True, []), (True, fake_gpu), (False, []), (False, fake_gpu)]:
        monkeypatch.setattr(runtime, "cpu_has_bf16_units", lambda units=bf16_units: units)
        monkeypatch.setattr(tf.config, "list_physical_devices",
                            lambda device_type=None, gpus=gpus: gpus if device_type == "GPU" else [])
        answers[bf16_units, bool(gpus)] = runtime.resolve_precision("auto")
        assert runtime.resolve_precision("bfloat16") == "bfloat16"  # asked for by name: kept, GPU or not
        assert runtime.resolve_precision("float32") == "float32"
    assert answers == {(True, False): "bfloat16", (True, True): "float32",
                       (False, False): "float32", (False, True): "float32"}


@pytest.mark.parametrize("flags, expected", [
    ("fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni", True),
    ("fpu sse2 avx2 amx_tile amx_bf16 amx_int8", True),
    ("fpu sse2 avx2 avx512f avx512_vnni amx_tile", False),  # AVX-512 and AMX without their bf16 parts
    (None, False),  # no /proc/cpuinfo at all (macOS, Windows)
])
def test_cpu_bf16_units_are_read_from_the_cpu_flags(monkeypatch, tmp_path, flags, expected):
    cpuinfo = tmp_path / "cpuinfo"
    if flags is not None:
        cpuinfo.write_text(f"processor\t: 0\nmodel name\t: a test CPU\nflags\t\t: {flags}\n\n")
    read = []

    def fake_path(name):
        read.append(str(name))
        return pathlib.Path(cpuinfo)

    monkeypatch.setattr(runtime, "pathlib", types.SimpleNamespace(Path=fake_path))
    assert runtime.cpu_has_bf16_units() is expected
    assert read == ["/proc/cpuinfo"]


def test_command_line_trains_saves_and_samples(tmp_path, capsys):
    out = tmp_path / "run"
    # 10 s: the budget includes finding the groups (k-means), which takes seconds on a busy machine
    assert cli.main(["train", "digits", "--out", str(out), "--seconds", "10", "--seed", "1"]) == 0
    generator = keras.models.load_model(out / "generator.keras")
    assert generator.input_shape == (None, recipes.DIGITS_RECIPE["latent_dim"])
    assert not (out / "generator.json").exists()  # self-conditioned, yet a forger of latent vectors only
    assert generator.compute_dtype == "float32"
    images = generator.predict(np.random.default_rng(0).standard_normal((5, generator.input_shape[1])), verbose=0)
    assert images.shape == (5, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    assert (out / "samples.png").stat().st_size > 1000
    quality = json.loads((out / "metrics.json").read_text())
    assert {"frechet_distance", "precision", "recall", "class_coverage"} <= set(quality)
    assert quality["frechet_distance"] > 0
    # they measure the saved forger's 1,000 images from the run's seed; it trained in bfloat16 where the CPU has
    # bf16 units and the saved copy computes in float32, hence tolerances (class coverage moves by tenths)
    again = metrics.evaluate_digits(generator, num_samples=1000, seed=1)
    assert quality["frechet_distance"] == pytest.approx(again["frechet_distance"], rel=0.05)
    for name, tolerance in [("precision", 0.05), ("recall", 0.05), ("kl_to_uniform", 0.05), ("class_coverage", 0.1)]:
        assert quality[name] == pytest.approx(again[name], abs=tolerance), name
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


def test_mlp_generator_batch_normalization_is_off_by_default_and_normalizes_each_hidden_layer():
    """PacGAN's forger (chapter 06): Dense -> BatchNormalization -> ReLU; the default stays chapter 03's MLP."""
    def norms(model):
        return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]

    plain = models.mlp_generator(latent_dim=2, width=16, depth=3)
    assert norms(plain) == []
    assert plain.count_params() == (2 * 16 + 16) + 2 * (16 * 16 + 16) + (16 * 2 + 2)
    normalized = models.mlp_generator(latent_dim=2, width=16, depth=3, batch_normalization=True)
    assert len(norms(normalized)) == 3
    # in training mode the first layer's features are standardized over the batch, before ReLU
    latent = np.random.default_rng(0).normal(size=(64, 2)).astype(np.float32)
    first = normalized.get_layer("dense_0")
    assert first.use_bias is False  # the normalization's own offset replaces the bias
    dense = keras.ops.convert_to_numpy(first(latent))
    norm = norms(normalized)[0]
    expected = (dense - dense.mean(axis=0)) / np.sqrt(dense.var(axis=0) + norm.epsilon)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(norm(dense, training=True)), expected, atol=1e-4)
    with pytest.raises(ValueError, match="batch_normalization must be True or False; got 1"):
        models.mlp_generator(batch_normalization=1)


def test_learning_rate_decays_to_zero_over_the_updates_asked():
    """Chapter 06's learning-rate decay: constant, linear or cosine, reaching 0 after ``updates`` updates."""
    assert recipes.learning_rate(2e-3, "constant", 100) == 2e-3
    linear, cosine = recipes.learning_rate(2e-3, "linear", 100), recipes.learning_rate(2e-3, "cosine", 100)
    for schedule in (linear, cosine):
        assert float(schedule(0)) == pytest.approx(2e-3)
        assert float(schedule(50)) == pytest.approx(1e-3)  # half-way: half the rate, for both shapes
        assert float(schedule(100)) == pytest.approx(0.0, abs=1e-12)
    assert float(linear(25)) == pytest.approx(1.5e-3)
    assert float(cosine(25)) == pytest.approx(1e-3 * (1 + np.cos(np.pi / 4)))
    with pytest.raises(ValueError, match="decay must be one of"):
        recipes.learning_rate(1e-3, "step", 100)
    with pytest.raises(ValueError, match="learning_rate_decay must be one of"):
        recipes.toy_settings("plain", learning_rate_decay="exponential")
    with pytest.raises(ValueError, match="g_batch_normalization must be True or False"):
        recipes.toy_settings("plain", g_batch_normalization="yes")


def test_train_toy_decays_both_learning_rates_to_zero_at_its_last_step():
    """The schedule follows the steps given to train_toy, and the expert's d_steps updates per step."""
    gan, _ = recipes.train_toy("ring", "plain", steps=20, seed=0, learning_rate_decay="linear", d_steps=2,
                               g_batch_normalization=True)
    assert int(gan.g_optimizer.iterations.numpy()) == 20 and int(gan.d_optimizer.iterations.numpy()) == 40
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-12)
    untouched = recipes.toy_gan("plain")  # the default keeps the rate constant
    assert float(untouched.g_optimizer.learning_rate) == pytest.approx(recipes.TOY_DEFAULTS["g_learning_rate"])
