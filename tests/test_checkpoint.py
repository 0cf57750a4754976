"""Never lose the run: BackupAndRestore resumes a seeded game exactly; TensorBoard gets losses and samples.

Explained in chapter 11.
"""

import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlib
from ganlib import callbacks, data, models

EPOCHS = 4
INTERRUPT_AT = 2


class Interrupt(keras.callbacks.Callback):
    """Stop the run as a crash would, at the start of an epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == INTERRUPT_AT:
            raise RuntimeError("interrupted on purpose")


def new_game(seed):
    ganlib.runtime.set_seed(seed)
    generator = models.mlp_generator(latent_dim=4, output_dim=2, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=2, width=16, depth=2)
    gan = ganlib.GAN(generator, discriminator, loss="wasserstein", gradient_penalty=1.0, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def weights_of(gan):
    return [np.asarray(w) for w in gan.generator.get_weights() + gan.discriminator.get_weights()]


def largest_difference(first, second):
    return max(float(np.max(np.abs(a - b))) for a, b in zip(first, second))


def train(gan, dataset, extra_callbacks=()):
    return gan.fit(dataset, epochs=EPOCHS, verbose=0, callbacks=list(extra_callbacks))


POINTS = data.sample_ring(192, seed=0)


def test_an_interrupted_and_resumed_run_ends_with_the_same_weights(tmp_path):
    shuffle = callbacks.EpochShuffle(POINTS, batch_size=32, seed=0)
    never_stopped = new_game(seed=0)
    train(never_stopped, shuffle.dataset, [shuffle])

    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    first = new_game(seed=0)
    shuffle = callbacks.EpochShuffle(POINTS, batch_size=32, seed=0)
    with pytest.raises(RuntimeError, match="interrupted on purpose"):
        train(first, shuffle.dataset, [shuffle, backup, Interrupt()])
    assert int(first.g_optimizer.iterations.numpy()) == INTERRUPT_AT * 6

    # a new process would build everything again: other initial weights, fresh optimizers and noise
    resumed = new_game(seed=1)
    assert largest_difference(weights_of(resumed), weights_of(never_stopped)) > 0.1
    shuffle = callbacks.EpochShuffle(POINTS, batch_size=32, seed=0)
    history = train(resumed, shuffle.dataset, [shuffle, keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    assert len(history.history["d_loss"]) == EPOCHS - INTERRUPT_AT  # only the missing epochs ran
    assert int(resumed.g_optimizer.iterations.numpy()) == EPOCHS * 6
    assert largest_difference(weights_of(resumed), weights_of(never_stopped)) < 1e-6
    for name in ("d_optimizer", "g_optimizer"):
        saved = [np.asarray(v) for v in getattr(never_stopped, name).variables]
        restored = [np.asarray(v) for v in getattr(resumed, name).variables]
        assert largest_difference(saved, restored) < 1e-6, name
    assert np.array_equal(np.asarray(resumed.seed_generator.state), np.asarray(never_stopped.seed_generator.state))


def test_the_noise_generator_state_is_saved_with_the_weights(tmp_path):
    gan = new_game(seed=0)
    gan.fit(data.make_dataset(POINTS, 32, seed=0), epochs=1, verbose=0)
    state = np.asarray(gan.seed_generator.state)
    assert state.any()  # training advanced it
    gan.save_weights(tmp_path / "game.weights.h5")
    next_noise = np.asarray(gan.sample_latent(8))

    reloaded = new_game(seed=0)
    assert not np.asarray(reloaded.seed_generator.state).any()
    reloaded.load_weights(tmp_path / "game.weights.h5")
    assert np.array_equal(np.asarray(reloaded.seed_generator.state), state)
    assert np.array_equal(np.asarray(reloaded.sample_latent(8)), next_noise)


def test_epoch_shuffle_orders_depend_on_the_epoch_only():
    points = np.arange(40, dtype=np.float32).reshape(20, 2)

    def order(shuffle, epoch):
        shuffle.on_epoch_begin(epoch)
        return np.concatenate([batch.numpy()[:, 0] for batch in shuffle.dataset])

    shuffle = callbacks.EpochShuffle(points, batch_size=5, seed=3)
    orders = [order(shuffle, epoch) for epoch in range(3)]
    assert all(sorted(each) == sorted(points[:, 0]) for each in orders)  # every sample once per epoch
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    again = callbacks.EpochShuffle(points, batch_size=5, seed=3)
    assert np.array_equal(order(again, 2), orders[2])  # a resumed run at epoch 2 gets epoch 2's order
    assert np.array_equal(order(again, 0), orders[0])


def test_make_dataset_would_replay_the_first_epochs_order_after_a_restart():
    """Why EpochShuffle exists: a fresh make_dataset starts its reshuffling over."""
    points = np.arange(40, dtype=np.float32).reshape(20, 2)
    dataset = data.make_dataset(points, 5, seed=3)
    orders = [np.concatenate([batch.numpy()[:, 0] for batch in dataset]) for _ in range(3)]
    restarted = np.concatenate([batch.numpy()[:, 0] for batch in data.make_dataset(points, 5, seed=3)])
    assert np.array_equal(restarted, orders[0]) and not np.array_equal(restarted, orders[2])


def test_epoch_shuffle_checks_its_input():
    with pytest.raises(ValueError, match="batch_size"):
        callbacks.EpochShuffle(np.zeros((4, 2)), batch_size=5, seed=0)
    with pytest.raises(ValueError, match="labels"):
        callbacks.EpochShuffle(np.zeros((4, 2)), batch_size=2, seed=0, labels=np.zeros(3, int))


def read_events(directory):
    """{tag: [(step, value or image shape)]} from the TensorBoard event files under ``directory``."""
    found = {}
    for path in glob.glob(f"{directory}/**/events.out.tfevents.*", recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                tensor = tf.make_ndarray(value.tensor)
                found.setdefault(value.tag, []).append((event.step, tensor))
    return found


def test_tensorboard_gets_losses_expert_probabilities_and_sample_images(tmp_path):
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.dcgan_generator(latent_dim=8, width=4), models.dcgan_discriminator(width=4), seed=0)
    # the expert does not learn (rate 0), so every epoch's d_real is its one mean verdict on the 64 images
    gan.compile(d_optimizer=keras.optimizers.Adam(0.0), g_optimizer=keras.optimizers.Adam(1e-3))
    images = np.tanh(np.random.default_rng(0).normal(size=(64, 28, 28, 1))).astype(np.float32)
    history = gan.fit(data.make_dataset(images, 32, seed=0), epochs=2, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(str(tmp_path)), callbacks.TensorBoardSamples(tmp_path, num_samples=9)])
    events = read_events(tmp_path)
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        logged = [float(value) for _, value in sorted(events[f"epoch_{name}"], key=lambda item: item[0])]
        assert np.allclose(logged, history.history[name], atol=1e-6), name
    verdict = float(np.mean(tf.sigmoid(gan.discriminator(images))))  # a probability, not a logit
    assert history.history["d_real"] == pytest.approx([verdict, verdict], abs=1e-5)
    samples = sorted(events["samples"], key=lambda item: item[0])
    assert [step for step, _ in samples] == [1, 2]
    encoded = samples[-1][1]  # image summaries hold [width, height, PNG bytes]
    assert (int(encoded[0]), int(encoded[1])) == (84, 84)  # a 3x3 grid of 28x28 samples
    picture = tf.io.decode_png(encoded[2]).numpy()
    assert picture.shape == (84, 84, 1) and picture.std() > 0
