"""The watchers of the game on a conditional GAN (chapter 08), why `GeneratorAverage` is not Keras' optimizer EMA
(chapter 04), and labelled scatter plots (chapter 00)."""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import ganlib
from ganlib import callbacks, data, health, models, plots

NUM_CLASSES, PROBE, SAMPLES = 10, 16, 20


def labelled_digits(count):
    images, labels = data.load_digits(split="test")
    pick = np.random.default_rng(0).permutation(len(images))[:count]  # the test split comes sorted by class
    return data.scale_images(images[pick]), labels[pick]


def tiny_conditional_gan():
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(
        models.conditional_dcgan_generator(latent_dim=8, num_classes=NUM_CLASSES, width=4, embedding_dim=4),
        models.conditional_dcgan_discriminator(num_classes=NUM_CLASSES, width=4),
        num_classes=NUM_CLASSES,
        seed=0,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


@pytest.fixture(scope="module")
def conditional_run(tmp_path_factory):
    """Two steps (one epoch) of a tiny conditional game watched by the three callbacks at once."""
    folder = tmp_path_factory.mktemp("conditional")
    images, labels = labelled_digits(64)
    gan = tiny_conditional_gan()
    watcher = health.TrainingHealth(images, real_labels=labels, every=1, probe_size=PROBE, warmup_steps=0,
                                    verbose=False)
    grid = callbacks.SampleGrid(num_samples=SAMPLES, out_dir=folder / "frames")
    board = callbacks.TensorBoardSamples(folder / "board", num_samples=SAMPLES)
    gan.fit(data.make_dataset(images, 32, seed=0, labels=labels), epochs=1, verbose=0,
            callbacks=[watcher, grid, board])
    return {"gan": gan, "watcher": watcher, "grid": grid, "folder": folder, "images": images, "labels": labels}


def test_training_health_judges_a_conditional_game_with_the_labels(conditional_run):
    gan, watcher = conditional_run["gan"], conditional_run["watcher"]
    assert [record["step"] for record in watcher.records] == [1, 2]
    last = watcher.records[-1]
    assert set(last) == {"step", "d_loss", "g_loss", "gradient_norm", "spread", "recall",
                         "real_accuracy", "fake_accuracy", "d_real", "d_fake"}
    assert all(np.isfinite(value) for value in last.values())
    # the last check ran on the final weights: the expert saw each real digit with its own label,
    # and each forgery with the label it was painted for, 0, 1, ..., 9, 0, ...
    real = tf.constant(conditional_run["images"][:PROBE])
    assert len(set(conditional_run["labels"][:PROBE])) > 3
    real_labels = tf.constant(conditional_run["labels"][:PROBE], tf.int32)
    fake_labels = tf.constant(np.arange(PROBE) % NUM_CLASSES, tf.int32)
    fake = gan.generator([gan.sample_latent(PROBE, seed=watcher.seed), fake_labels])
    assert last["d_real"] == pytest.approx(float(np.mean(tf.sigmoid(gan.discriminator([real, real_labels])))), abs=1e-6)
    assert last["d_fake"] == pytest.approx(float(np.mean(tf.sigmoid(gan.discriminator([fake, fake_labels])))), abs=1e-6)


def test_training_health_needs_labels_exactly_for_a_conditional_game():
    images, labels = labelled_digits(32)
    dataset = data.make_dataset(images, 32, seed=0, labels=labels)
    with pytest.raises(ValueError, match="needs real_labels="):
        tiny_conditional_gan().fit(dataset, epochs=1, verbose=0,
                                   callbacks=[health.TrainingHealth(images, probe_size=PROBE, verbose=False)])
    with pytest.raises(ValueError, match=r"expected 32 labels, one per sample; got 31"):
        tiny_conditional_gan().fit(dataset, epochs=1, verbose=0, callbacks=[
            health.TrainingHealth(images, real_labels=labels[:31], probe_size=PROBE, verbose=False)])
    plain = ganlib.GAN(models.mlp_generator(width=8, depth=1), models.mlp_discriminator(width=8, depth=1), seed=0)
    plain.compile(d_optimizer="adam", g_optimizer="adam")
    points = data.sample_ring(64, seed=0)
    with pytest.raises(ValueError, match="real_labels= needs a conditional GAN"):
        plain.fit(data.make_dataset(points, 32, seed=0), epochs=1, verbose=0, callbacks=[
            health.TrainingHealth(points, real_labels=np.zeros(64, int), probe_size=PROBE, verbose=False)])


def test_sample_grid_paints_the_classes_in_order_one_per_column(conditional_run):
    gan, grid, folder = conditional_run["gan"], conditional_run["grid"], conditional_run["folder"]
    assert grid.epochs == [0, 1] and [frame.shape for frame in grid.frames] == [(SAMPLES, 28, 28, 1)] * 2
    # the fixed latent vectors, each painted as the digit 0, 1, ..., 9, 0, ...
    latent = gan.sample_latent(SAMPLES, seed=grid.seed)
    painted = gan.generator([latent, tf.constant(np.arange(SAMPLES) % NUM_CLASSES, tf.int32)])
    np.testing.assert_allclose(grid.frames[-1], painted, atol=1e-6)
    with Image.open(folder / "frames" / "epoch_001.png") as picture:
        assert picture.width > 3 * picture.height  # 10 columns, 2 rows
    with Image.open(grid.save_gif(folder / "progress.gif")) as animation:
        assert animation.n_frames == 2 and animation.size == (2 * (10 * 30 + 2), 2 * (2 * 30 + 2))


def test_tensorboard_samples_paint_the_classes_one_per_column(conditional_run):
    events = []
    for path in glob.glob(f"{conditional_run['folder'] / 'board'}/**/events.out.tfevents.*", recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            events += [(event.step, tf.make_ndarray(value.tensor)) for value in event.summary.value]
    assert [step for step, _ in events] == [1]
    width, height, png = events[0][1]  # image summaries hold [width, height, PNG bytes]
    assert (int(width), int(height)) == (10 * 28, 2 * 28)
    assert tf.io.decode_png(png).shape == (2 * 28, 10 * 28, 1)


# ------------------------------------------------------------ GeneratorAverage and Keras' optimizer EMA
MOMENTUM, STEPS = 0.999, 20


@pytest.fixture(scope="module")
def averaged_run():
    """A forger with batch normalization, averaged both ways at once: the callback and Adam(use_ema=True)."""
    ganlib.runtime.set_seed(0)
    generator = models.mlp_generator(latent_dim=2, width=16, depth=2, batch_normalization=True)
    gan = ganlib.GAN(generator, models.mlp_discriminator(width=16, depth=2), seed=0)
    optimizer = keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=MOMENTUM)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=optimizer)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append([w.numpy().copy() for w in generator.weights])

        def on_train_batch_end(self, batch, logs=None):
            seen.append([w.numpy().copy() for w in generator.weights])

    average = callbacks.GeneratorAverage(momentum=MOMENTUM, apply_at_end=False)
    gan.fit(data.make_dataset(data.sample_ring(64 * STEPS // 2), 64), epochs=2, verbose=0,
            callbacks=[Record(), average])
    assert len(seen) == 1 + STEPS
    after_fit = [w.numpy().copy() for w in generator.weights]
    optimizer.finalize_variable_values(generator.trainable_variables)  # copy the optimizer's EMA in, by hand
    with_ema = [w.numpy().copy() for w in generator.weights]
    return {"gan": gan, "seen": seen, "average": [a.numpy() for a in average.average],
            "after_fit": after_fit, "with_ema": with_ema}


def test_generator_average_averages_batch_norm_statistics_which_optimizer_ema_leaves_live(averaged_run):
    gan, live = averaged_run["gan"], averaged_run["seen"][-1]
    statistics = [i for i, w in enumerate(gan.generator.weights) if "moving" in w.path]
    assert len(statistics) == 4 and not any(gan.generator.weights[i].trainable for i in statistics)
    for i in statistics:
        assert np.abs(live[i] - averaged_run["seen"][0][i]).max() > 1e-2  # training moved them
        assert np.abs(averaged_run["average"][i] - live[i]).max() > 1e-3  # the callback averaged them
        np.testing.assert_array_equal(averaged_run["with_ema"][i], live[i])  # the optimizer's EMA left them live


def test_generator_average_warms_up_where_optimizer_ema_starts_from_its_first_step(averaged_run):
    seen, first = averaged_run["seen"], 0  # the first dense kernel
    # Keras' EMA: a copy of the weights after step 1, then the fixed momentum (no warm-up)
    expected = seen[1][first]
    for weights in seen[2:]:
        expected = MOMENTUM * expected + (1 - MOMENTUM) * weights[first]
    np.testing.assert_allclose(averaged_run["with_ema"][first], expected, rtol=1e-5, atol=1e-6)

    def share_of_the_way(average):  # 0: still the first step's weights, 1: the last step's
        return np.linalg.norm(average - seen[1][first]) / np.linalg.norm(seen[-1][first] - seen[1][first])

    assert share_of_the_way(averaged_run["with_ema"][first]) < 0.1  # still the early, nearly random weights
    assert share_of_the_way(averaged_run["average"][first]) > 0.5  # the warm-up let them fade


def test_gan_fit_does_not_swap_in_the_optimizer_ema(averaged_run):
    assert averaged_run["gan"].optimizer is None  # a GAN has d_optimizer and g_optimizer instead
    for after_fit, live in zip(averaged_run["after_fit"], averaged_run["seen"][-1], strict=True):
        np.testing.assert_array_equal(after_fit, live)
    first = 0
    assert not np.allclose(averaged_run["with_ema"][first], averaged_run["after_fit"][first])


# ------------------------------------------------------------------------------ plots
def test_show_points_labels_its_axes():
    ax = plots.show_points(real=data.sample_ring(100, seed=0), fake=data.sample_ring(100, seed=1), limit=1.5)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("first coordinate", "second coordinate")
    ax = plots.show_points(real=data.sample_ring(100, seed=0), xlabel="x", ylabel="y")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")
