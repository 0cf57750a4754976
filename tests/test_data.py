"""The data the forger imitates: toy benchmarks, bundled digits, the tfds path (offline), pipelines."""

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from ganlib import callbacks, data


def test_ring_matches_the_published_benchmark():
    modes = data.ring_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, rtol=1e-6)
    points = data.sample_ring(8000, seed=0)
    distance = np.min(np.linalg.norm(points[:, None] - modes[None], axis=2), axis=1)
    # per-axis std 0.01, so the distance to the nearest mode is Rayleigh with mean 0.01 * sqrt(pi/2)
    assert abs(distance.mean() - 0.01 * np.sqrt(np.pi / 2)) < 0.0005
    counts = np.bincount(np.argmin(np.linalg.norm(points[:, None] - modes[None], axis=2), axis=1), minlength=8)
    assert counts.min() > 850 and counts.max() < 1150  # equal weights: 1000 expected each


def test_grid_matches_the_published_benchmark():
    modes = data.grid_modes()
    assert modes.shape == (25, 2)
    assert sorted(set(modes[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    points = data.sample_grid(25000, seed=0)
    nearest = np.argmin(np.linalg.norm(points[:, None] - modes[None], axis=2), axis=1)
    residual = points - modes[nearest]
    assert abs(residual.std() - 0.05) < 0.002
    assert np.bincount(nearest, minlength=25).min() > 850


def test_toy_samples_are_seeded():
    np.testing.assert_array_equal(data.sample_grid(10, seed=1), data.sample_grid(10, seed=1))
    assert not np.allclose(data.sample_grid(10, seed=1), data.sample_grid(10, seed=2))


def test_mixture_1d_and_its_density_agree():
    samples = data.sample_mixture_1d(20000, means=(-2.0, 2.0), stds=(0.5, 0.5), weights=(0.25, 0.75), seed=0)
    assert samples.shape == (20000, 1)
    assert abs(np.mean(samples > 0) - 0.75) < 0.02
    grid = np.linspace(-6, 6, 2001)
    density = data.mixture_1d_density(grid, weights=(0.25, 0.75))
    assert abs(np.trapezoid(density, grid) - 1.0) < 1e-4
    with pytest.raises(ValueError, match="weights must be 2 non-negative numbers summing to 1"):
        data.sample_mixture_1d(10, weights=(0.5, 0.6))


def test_bundled_digits_and_their_split():
    train_images, train_labels = data.load_digits(split="train")
    test_images, test_labels = data.load_digits(split="test")
    all_images, _ = data.load_digits(split="all")
    assert train_images.shape == (4000, 28, 28) and test_images.shape == (1000, 28, 28)
    assert all_images.shape == (5000, 28, 28) and all_images.dtype == np.uint8
    assert np.bincount(train_labels).tolist() == [400] * 10
    assert np.bincount(test_labels).tolist() == [100] * 10
    # no image is in both halves
    train_keys = {image.tobytes() for image in train_images}
    assert not any(image.tobytes() in train_keys for image in test_images)


def test_scaling_round_trips_and_rejects_floats():
    images, _ = data.load_digits(split="test")
    scaled = data.scale_images(images)
    assert scaled.shape == (1000, 28, 28, 1) and scaled.dtype == np.float32
    assert scaled.min() == -1.0 and scaled.max() == 1.0
    np.testing.assert_array_equal(data.unscale_images(scaled)[..., 0], images)
    with pytest.raises(ValueError, match="expects raw uint8 images in 0..255; got dtype float32"):
        data.scale_images(scaled)


def test_pipeline_batches_shuffles_and_repeats_with_a_seed():
    samples = np.arange(100, dtype=np.float32)[:, None]
    dataset = data.make_dataset(samples, batch_size=32, seed=0)
    batches = [batch.numpy() for batch in dataset]
    assert [len(b) for b in batches] == [32, 32, 32]  # the remainder of 4 is dropped
    first_epoch = np.concatenate(batches).ravel()
    assert len(set(first_epoch.tolist())) == 96 and not np.array_equal(first_epoch, np.arange(96))
    again = np.concatenate(list(data.make_dataset(samples, batch_size=32, seed=0))).ravel()
    np.testing.assert_array_equal(first_epoch, again)
    with pytest.raises(ValueError, match="batch_size=200 but only 100 samples"):
        data.make_dataset(samples, batch_size=200)


def test_pipelines_run_without_the_autotuner():
    """The autotuner's thread made fit() wait up to twice its training time at the end (chapter 11)."""
    samples = np.arange(100, dtype=np.float32)[:, None]
    plain = tf.data.Dataset.from_tensor_slices(samples).batch(10).prefetch(tf.data.AUTOTUNE)
    assert plain.options().autotune.enabled is not False  # TensorFlow's default: on
    assert data.make_dataset(samples, batch_size=10, seed=0).options().autotune.enabled is False
    assert data.make_dataset(samples, 10, labels=np.arange(100)).repeat().options().autotune.enabled is False
    assert callbacks.EpochShuffle(samples, 10, seed=0).dataset.options().autotune.enabled is False
    tuned_off = data.without_autotuning(plain)
    assert tuned_off.options().autotune.enabled is False
    np.testing.assert_array_equal(np.concatenate(list(tuned_off)), samples)  # same data
    with pytest.raises(ValueError, match="expects a tf.data.Dataset; got ndarray"):
        data.without_autotuning(samples)


def test_full_mnist_through_tfds_offline_with_mock_data():
    with tfds.testing.mock_data(num_examples=12):
        images, labels = data.load_digits(source="tfds", split="train")
    assert images.shape == (12, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (12,) and labels.max() <= 9


def test_tfds_failure_is_reported_not_silently_replaced(monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(tfds, "load", offline)
    with pytest.raises(RuntimeError, match="could not load full MNIST.*needs internet.*source='bundled'"):
        data.load_digits(source="tfds")


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ValueError, match=r"source must be one of \('bundled', 'tfds'\); got 'kaggle'"):
        data.load_digits(source="kaggle")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_digits(split="validation")
    with pytest.raises(ValueError, match="num_samples must be a positive integer; got 0"):
        data.sample_ring(0)
