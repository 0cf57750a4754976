"""The game: shapes, one step moves both players the right way, save/reload, seeds, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import ganlib
from ganlib import data, models


def toy_gan(loss="non_saturating", seed=0, **options):
    ganlib.runtime.set_seed(seed)
    generator = models.mlp_generator(latent_dim=4, output_dim=2, width=16, depth=2)
    discriminator = models.mlp_discriminator(input_dim=2, width=16, depth=2)
    gan = ganlib.GAN(generator, discriminator, loss=loss, seed=seed, **options)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def tiny_digit_gan(seed=0):
    ganlib.runtime.set_seed(seed)
    gan = ganlib.GAN(models.dcgan_generator(latent_dim=8, width=4), models.dcgan_discriminator(width=4), seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def ring_dataset(batch_size=64, seed=0):
    return data.make_dataset(data.sample_ring(512, seed=seed), batch_size, seed=seed)


def test_latent_size_and_sample_shape_are_read_from_the_players():
    gan = tiny_digit_gan()
    assert gan.latent_dim == 8
    assert gan.sample_shape == (28, 28, 1)
    images = gan.generate(5, seed=1)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_fit_reports_losses_and_expert_probabilities():
    gan = toy_gan()
    history = gan.fit(ring_dataset(), epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    # an expert that does not learn (rate 0): each epoch's d_real is its mean verdict on all 512 real points
    frozen = toy_gan()
    frozen.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.Adam(1e-3))
    history = frozen.fit(ring_dataset(), epochs=2, verbose=0)
    verdict = float(np.mean(tf.sigmoid(frozen.discriminator(data.sample_ring(512, seed=0)))))
    assert history.history["d_real"] == pytest.approx([verdict, verdict], abs=1e-5)


def test_one_step_reports_the_experts_verdicts_before_its_update():
    """d_real and d_fake: the mean sigmoid of the expert's logits on the step's real batch and its first forgeries."""
    gan = toy_gan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    real = data.sample_ring(64, seed=1)
    d_weights, g_weights = gan.discriminator.get_weights(), gan.generator.get_weights()
    noise_state = np.asarray(gan.seed_generator.state).copy()
    logs = gan.train_on_batch(real, return_dict=True)
    after = float(np.mean(tf.sigmoid(gan.discriminator(real))))
    # the same noise (the step's first draw) and the players as they were before the step
    gan.seed_generator.state.assign(noise_state)
    latent = gan.sample_latent(64)
    gan.discriminator.set_weights(d_weights)
    gan.generator.set_weights(g_weights)
    real_logits, fake_logits = gan.discriminator(real), gan.discriminator(gan.generator(latent))
    assert logs["d_real"] == pytest.approx(float(np.mean(tf.sigmoid(real_logits))), abs=1e-5)
    assert logs["d_fake"] == pytest.approx(float(np.mean(tf.sigmoid(fake_logits))), abs=1e-5)
    d_loss = tf.reduce_mean(ganlib.losses.discriminator_loss("non_saturating", real_logits, fake_logits))
    assert logs["d_loss"] == pytest.approx(float(d_loss), abs=1e-5)
    assert abs(after - logs["d_real"]) > 1e-3  # the step did move the expert: the report is from before it


def bce_losses(gan, real, latent):
    """The two players' losses on a fixed batch, computed outside the train step."""
    fake = gan.generator(latent, training=True)
    real_logits, fake_logits = gan.discriminator(real), gan.discriminator(fake)
    d_loss = float(tf.reduce_mean(ganlib.losses.discriminator_loss("non_saturating", real_logits, fake_logits)))
    g_loss = float(tf.reduce_mean(ganlib.losses.generator_loss("non_saturating", fake_logits)))
    return d_loss, g_loss


def test_one_step_moves_each_player_against_its_own_loss():
    gan = toy_gan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    real = data.sample_ring(256, seed=1)
    latent = gan.sample_latent(256, seed=7)
    d_weights = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    g_weights = [w.numpy().copy() for w in gan.generator.trainable_weights]

    # the expert's step alone (forger frozen) must lower the expert's loss on that batch
    d_before, _ = bce_losses(gan, real, latent)
    with tf.GradientTape() as tape:
        real_logits = gan.discriminator(real)
        fake_logits = gan.discriminator(gan.generator(latent))
        loss = tf.reduce_mean(ganlib.losses.discriminator_loss("non_saturating", real_logits, fake_logits))
    gan.d_optimizer.apply_gradients(
        zip(tape.gradient(loss, gan.discriminator.trainable_weights), gan.discriminator.trainable_weights)
    )
    d_after, g_mid = bce_losses(gan, real, latent)
    assert d_after < d_before
    # and a full train_step changes both players' weights
    for weight, saved in zip(gan.discriminator.trainable_weights, d_weights):
        weight.assign(saved)
    gan.train_on_batch(real)
    assert any(not np.allclose(w.numpy(), s) for w, s in zip(gan.discriminator.trainable_weights, d_weights))
    assert any(not np.allclose(w.numpy(), s) for w, s in zip(gan.generator.trainable_weights, g_weights))


def test_the_forger_step_fools_the_expert_more_than_before():
    gan = toy_gan()
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1))
    real = data.sample_ring(256, seed=1)
    latent = gan.sample_latent(256, seed=7)
    _, g_before = bce_losses(gan, real, latent)
    d_weights = [w.numpy().copy() for w in gan.discriminator.trainable_weights]
    gan.train_on_batch(real)  # expert's learning rate 0: only the forger learns
    _, g_after = bce_losses(gan, real, latent)
    assert all(np.array_equal(w.numpy(), s) for w, s in zip(gan.discriminator.trainable_weights, d_weights))
    assert g_after < g_before


@pytest.mark.parametrize("update_order", ["sequential", "simultaneous"])
def test_the_game_pulls_the_forgers_samples_to_the_real_ones(update_order):
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(
        models.mlp_generator(latent_dim=4, output_dim=1, width=16, depth=2),
        models.mlp_discriminator(input_dim=1, width=16, depth=2),
        seed=0,
        update_order=update_order,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3), g_optimizer=keras.optimizers.Adam(2e-3))
    real = data.sample_mixture_1d(2048, means=(3.0,), stds=(0.5,), seed=0)
    before = float(np.mean(gan.generate(1000, seed=3)))
    gan.fit(data.make_dataset(real, 128, seed=0), epochs=20, verbose=0)
    after = gan.generate(1000, seed=3)
    assert abs(before - 3.0) > 2.0  # the untrained forger paints far from the real mean 3
    assert abs(float(np.mean(after)) - 3.0) < 0.5  # the trained one paints near it
    assert 0.1 < float(np.std(after)) < 1.5  # spread out, not a single point


def test_same_seed_gives_the_same_weights_twice():
    weights = []
    for _ in range(2):
        gan = toy_gan(seed=3)
        gan.fit(ring_dataset(seed=3), epochs=2, verbose=0)
        weights.append([w.numpy() for w in gan.generator.weights + gan.discriminator.weights])
    for first, second in zip(*weights):
        np.testing.assert_array_equal(first, second)
    other = toy_gan(seed=4)
    other.fit(ring_dataset(seed=4), epochs=2, verbose=0)
    assert not np.allclose(weights[0][0], other.generator.weights[0].numpy())


def test_save_and_reload_give_identical_samples(tmp_path):
    gan = tiny_digit_gan()
    images = data.scale_images(data.load_digits(split="test")[0][:64])
    gan.fit(data.make_dataset(images, 32, seed=0), epochs=1, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    restored = keras.models.load_model(path)
    assert isinstance(restored, ganlib.GAN)
    np.testing.assert_array_equal(gan.generate(8, seed=5), restored.generate(8, seed=5))
    # the optimizers come back with their state, so training can go on
    assert restored.d_optimizer.iterations.numpy() == gan.d_optimizer.iterations.numpy() == 2
    restored.fit(data.make_dataset(images, 32, seed=0), epochs=1, verbose=0)
    # and the forger alone reloads as a plain Keras model
    gan.generator.save(tmp_path / "generator.keras")
    generator = keras.models.load_model(tmp_path / "generator.keras")
    latent = gan.sample_latent(4, seed=9)
    np.testing.assert_allclose(generator(latent).numpy(), gan.generator(latent).numpy(), atol=1e-6)


def test_the_gradient_penalty_is_one_where_the_expert_is_flat():
    gan = toy_gan(loss="wasserstein", gradient_penalty=10.0)
    for weight in gan.discriminator.trainable_weights:
        weight.assign(tf.zeros_like(weight))
    real = tf.constant(data.sample_ring(16, seed=0))
    mix = tf.random.uniform((16,), seed=0)
    penalty = ganlib.losses.interpolate_gradient_penalty(gan.discriminator, real, real + 1.0, mix).numpy()
    np.testing.assert_allclose(penalty, np.ones(16), rtol=1e-5)  # (0 - 1)^2, finite at a zero gradient
    history = gan.fit(ring_dataset(), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


@pytest.mark.parametrize("loss", list(ganlib.losses.LOSSES))
def test_every_loss_trains_a_step_with_finite_values(loss):
    gan = toy_gan(loss=loss, d_steps=2)
    history = gan.fit(ring_dataset(), epochs=1, verbose=0)
    assert all(np.isfinite(values[0]) for values in history.history.values())
    # the expert's verdicts are named for what they are: probabilities D(x), or raw scores
    verdicts = ("d_real", "d_fake") if ganlib.losses.get(loss).probability else ("score_real", "score_fake")
    assert set(history.history) == {"d_loss", "g_loss", *verdicts}
    if ganlib.losses.get(loss).probability:
        assert all(0.0 <= history.history[name][0] <= 1.0 for name in verdicts)


def test_an_unknown_loss_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match=r"loss must be one of minimax, non_saturating, .*; got 'vanilla'"):
        ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), loss="vanilla")


# ----------------------------------------------------------------------------- bad input
def test_images_of_the_wrong_shape_are_rejected():
    gan = tiny_digit_gan()
    wrong = np.zeros((8, 32, 32, 1), np.float32)
    with pytest.raises(ValueError, match=r"shape \(batch, 28, 28, 1\); got \(batch, 32, 32, 1\)"):
        gan.fit(data.make_dataset(wrong, 4), epochs=1, verbose=0)


def test_raw_uint8_images_get_a_hint_to_scale():
    gan = tiny_digit_gan()
    raw = data.load_digits(split="test")[0][:8, :, :, None]
    with pytest.raises(ValueError, match=r"floats in \[-1, 1\]; got dtype uint8.*scale_images"):
        gan.fit(data.make_dataset(raw, 4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\].*got 0\.\.255.*scale_images"):
        gan.fit(data.make_dataset(raw.astype(np.float32), 4), epochs=1, verbose=0)


def test_an_empty_dataset_is_rejected():
    gan = toy_gan()
    empty = tf.data.Dataset.from_tensor_slices(np.zeros((0, 2), np.float32)).batch(4)
    with pytest.raises(ValueError, match="empty"):
        gan.fit(empty, epochs=1, verbose=0)


def test_a_generator_without_a_flat_latent_input_is_rejected():
    image_in = keras.Input(shape=(7, 7, 1))
    not_latent = keras.Model(image_in, keras.layers.Dense(2)(keras.layers.Flatten()(image_in)))
    with pytest.raises(ValueError, match=r"flat latent vector of shape \(batch, latent_dim\); got \(batch, 7, 7, 1\)"):
        ganlib.GAN(not_latent, models.mlp_discriminator())


def test_mismatched_players_and_options_are_rejected():
    with pytest.raises(ValueError, match=r"discriminator must take the generator's samples, shape \(batch, 2\)"):
        ganlib.GAN(models.mlp_generator(output_dim=2), models.mlp_discriminator(input_dim=3))
    with pytest.raises(ValueError, match="d_steps must be a positive integer; got 0"):
        ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), d_steps=0)
    with pytest.raises(ValueError, match="label_smoothing works with the losses"):
        ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), loss="hinge", label_smoothing=0.1)
    with pytest.raises(ValueError, match="needs both d_optimizer= and g_optimizer="):
        ganlib.GAN(models.mlp_generator(), models.mlp_discriminator()).compile(d_optimizer="adam")


def test_packing_puts_groups_of_samples_side_by_side():
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(models.mlp_generator(output_dim=2), models.mlp_discriminator(input_dim=6), pack=3, seed=0)
    points = tf.reshape(tf.range(12, dtype=tf.float32), (6, 2))
    packed_points = ganlib.gan.pack_samples(points, gan.pack).numpy()
    np.testing.assert_array_equal(packed_points, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    images = tf.reshape(tf.range(2 * 2 * 2 * 1, dtype=tf.float32), (2, 2, 2, 1))
    image_gan = ganlib.GAN(
        models.dcgan_generator(latent_dim=4, width=2),
        keras.Sequential([keras.Input((28, 28, 2)), keras.layers.Flatten(), keras.layers.Dense(1)]),
        pack=2,
    )
    packed = ganlib.gan.pack_samples(images, image_gan.pack).numpy()
    assert packed.shape == (1, 2, 2, 2)
    np.testing.assert_array_equal(packed[0, ..., 0], images[0, ..., 0])
    np.testing.assert_array_equal(packed[0, ..., 1], images[1, ..., 0])
    gan.compile(d_optimizer="adam", g_optimizer="adam")
    history = gan.fit(ring_dataset(batch_size=63), epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    with pytest.raises(ValueError, match=r"3 of the generator's samples packed together, shape \(batch, 6\)"):
        ganlib.GAN(models.mlp_generator(output_dim=2), models.mlp_discriminator(input_dim=2), pack=3)
