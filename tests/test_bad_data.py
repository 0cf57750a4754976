"""Real samples with NaN or inf: GAN.fit stops at the bad batch before it changes a weight (chapters 03 and 04)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlib
from ganlib import data, models

BATCH_SIZE = 16
BAD_BATCH = 3


def toy_gan(seed=0, compile_options=None, **options):
    ganlib.runtime.set_seed(seed)
    generator = models.mlp_generator(latent_dim=4, output_dim=2, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=2, width=16, depth=2)
    gan = ganlib.GAN(generator, discriminator, seed=seed, **options)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2),
                **(compile_options or {}))
    return gan


def conditional_gan(seed=0):
    ganlib.runtime.set_seed(seed)
    gan = ganlib.GAN(
        models.conditional_dcgan_generator(latent_dim=8, num_classes=10, width=4, embedding_dim=4),
        models.conditional_dcgan_discriminator(num_classes=10, width=4),
        num_classes=10,
        seed=seed,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-2), g_optimizer=keras.optimizers.Adam(1e-2))
    return gan


def players_weights(gan):
    return [np.array(weight) for weight in gan.generator.get_weights() + gan.discriminator.get_weights()]


def batches(samples, labels=None):
    parts = samples if labels is None else (samples, labels)
    return tf.data.Dataset.from_tensor_slices(parts).batch(BATCH_SIZE, drop_remainder=True)


def ring_points(num_batches=6):
    return data.sample_ring(BATCH_SIZE * num_batches, seed=0)


def labelled_images(num_batches=6):
    rng = np.random.default_rng(0)
    images = np.tanh(rng.normal(size=(BATCH_SIZE * num_batches, 28, 28, 1))).astype(np.float32)
    return images, rng.integers(0, 10, size=BATCH_SIZE * num_batches).astype(np.int32)


def spoil(samples, bad_value, batch=BAD_BATCH):
    """A copy with one value of the given batch replaced."""
    spoiled = samples.copy()
    spoiled.reshape(len(spoiled), -1)[batch * BATCH_SIZE + 5, 1] = bad_value
    return spoiled


def assert_same_weights(got, expected):
    assert len(got) == len(expected)
    for got_weight, expected_weight in zip(got, expected):
        np.testing.assert_array_equal(got_weight, expected_weight)


@pytest.mark.parametrize("bad_value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("update_order", ["sequential", "simultaneous"])
def test_a_non_finite_value_stops_fit_at_its_batch_before_any_weight_moves(bad_value, update_order):
    samples = ring_points()
    reference = toy_gan(update_order=update_order)
    reference.fit(batches(samples[: BAD_BATCH * BATCH_SIZE]), epochs=1, verbose=0)  # the good batches only
    gan = toy_gan(update_order=update_order)
    before = players_weights(gan)
    with pytest.raises(ValueError, match=rf"batch {BAD_BATCH} of epoch 0 has 1 non-finite values"):
        gan.fit(batches(spoil(samples, bad_value)), epochs=1, verbose=0)
    after = players_weights(gan)
    assert any(not np.array_equal(old, new) for old, new in zip(before, after)), "the good batches must train"
    assert all(np.isfinite(weight).all() for weight in after)
    assert_same_weights(after, players_weights(reference))


def test_under_xla_the_check_stays_outside_the_compiled_step_and_still_stops_fit():
    samples = ring_points()
    reference = toy_gan(compile_options={"jit_compile": True})
    reference.fit(batches(samples[: BAD_BATCH * BATCH_SIZE]), epochs=1, verbose=0)
    gan = toy_gan(compile_options={"jit_compile": True})
    with pytest.raises(ValueError, match=rf"batch {BAD_BATCH} of epoch 0 has 1 non-finite values"):
        gan.fit(batches(spoil(samples, np.nan)), epochs=1, verbose=0)
    assert_same_weights(players_weights(gan), players_weights(reference))
    step = tf.function(gan.train_step, jit_compile=True).get_concrete_function(tf.TensorSpec((BATCH_SIZE, 2)))
    operations = {operation.type for operation in step.graph.get_operations()}
    assert not operations & {"If", "StatelessIf"}, "the compiled step must hold no condition"


def test_several_steps_per_execution_stop_at_the_bad_batch_too():
    samples = ring_points()
    reference = toy_gan()
    reference.fit(batches(samples[: BAD_BATCH * BATCH_SIZE]), epochs=1, verbose=0)
    gan = toy_gan(compile_options={"steps_per_execution": 2})  # batch 3 is the second of an execution
    with pytest.raises(ValueError, match=rf"batch {BAD_BATCH} of epoch 0 has 1 non-finite values"):
        gan.fit(batches(spoil(samples, np.inf)), epochs=1, verbose=0)
    assert_same_weights(players_weights(gan), players_weights(reference))


def test_the_count_and_the_epoch_are_reported():
    samples = ring_points()
    spoiled = spoil(spoil(samples, np.nan, batch=1), np.inf, batch=1)  # the same value twice: one bad value
    spoiled.reshape(len(spoiled), -1)[BATCH_SIZE + 7] = np.nan  # two more in the same batch
    gan = toy_gan()
    gan.fit(batches(samples), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"batch 1 of epoch 2 has 3 non-finite values"):
        gan.fit(batches(spoiled), epochs=4, initial_epoch=2, verbose=0)


def test_a_clean_dataset_trains_as_before_with_the_four_metrics():
    gan = toy_gan()
    before = players_weights(gan)
    history = gan.fit(batches(ring_points()), epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(values).all() for values in history.history.values())
    assert all(not np.array_equal(old, new) for old, new in zip(before, players_weights(gan)))


def test_the_first_batch_and_arrays_are_checked_before_training():
    samples = spoil(ring_points(), np.nan, batch=0)
    gan = toy_gan()
    before = players_weights(gan)
    with pytest.raises(ValueError, match=r"the first batch has 1 non-finite values"):
        gan.fit(batches(samples), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"the array of real samples has 1 non-finite values"):
        gan.fit(spoil(ring_points(), np.inf, batch=5), batch_size=BATCH_SIZE, epochs=1, verbose=0)
    assert_same_weights(players_weights(gan), before)


def test_a_conditional_gan_stops_at_the_bad_batch_too():
    images, labels = labelled_images()
    reference = conditional_gan()
    good = BAD_BATCH * BATCH_SIZE
    reference.fit(batches(images[:good], labels[:good]), epochs=1, verbose=0)
    gan = conditional_gan()
    with pytest.raises(ValueError, match=rf"batch {BAD_BATCH} of epoch 0 has 1 non-finite values"):
        gan.fit(batches(spoil(images, np.nan), labels), epochs=1, verbose=0)
    assert_same_weights(players_weights(gan), players_weights(reference))


def test_fit_keeps_the_callers_callbacks_and_refuses_a_callback_that_is_not_a_list():
    seen = []
    recorder = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(dict(logs)))
    gan = toy_gan()
    gan.fit(batches(ring_points(2)), epochs=1, verbose=0, callbacks=[recorder])
    assert len(seen) == 2 and all(set(logs) == {"d_loss", "g_loss", "d_real", "d_fake"} for logs in seen)
    with pytest.raises(ValueError, match="callbacks must be a list"):
        gan.fit(batches(ring_points(2)), epochs=1, verbose=0, callbacks=recorder)
