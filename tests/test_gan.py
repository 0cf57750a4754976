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
    discriminator = models.mlp_discriminator(input_dim=2 * options.get("pack", 1), width=16, depth=2)
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


# ------------------------------------------------------- the modern recipe: relativistic loss, R1 and R2
def softplus(x):
    return tf.math.log1p(tf.exp(-tf.abs(x))) + tf.maximum(x, 0.0)  # log(1 + e^x), written out


def scores_and_slopes_by_hand(discriminator, samples, labels=None):
    """The expert's scores and ||grad_x D(x)||^2 per example, with a GradientTape on the samples only."""
    samples = tf.constant(samples)
    with tf.GradientTape() as tape:
        tape.watch(samples)
        scores = discriminator(samples if labels is None else [samples, labels], training=True)
    gradients = tape.gradient(scores, samples)
    return tf.reshape(scores, [-1]), tf.reduce_sum(tf.reshape(tf.square(gradients), [len(samples), -1]), axis=1)


@pytest.mark.parametrize("loss", ["relativistic", "non_saturating"])
@pytest.mark.parametrize("pack", [1, 2])
def test_r1_and_r2_add_half_gamma_times_the_squared_slopes_to_the_experts_loss(loss, pack):
    gan = toy_gan(loss, r1_penalty=3.0, r2_penalty=0.5, pack=pack)
    real = data.sample_ring(8, seed=1)
    fake = 0.2 * real[::-1] + 0.3  # forgeries where the expert's slope differs from the real samples'
    per_example, real_logits, fake_logits = gan._discriminator_loss(tf.constant(real), None, tf.constant(fake), None)
    # packing by hand: pack samples side by side, (8, 2) -> (8 / pack, 2 * pack)
    packed_real, packed_fake = real.reshape(8 // pack, 2 * pack), fake.reshape(8 // pack, 2 * pack)
    real_scores, real_slopes = scores_and_slopes_by_hand(gan.discriminator, packed_real)
    fake_scores, fake_slopes = scores_and_slopes_by_hand(gan.discriminator, packed_fake)
    plain = ganlib.losses.discriminator_loss(loss, real_scores, fake_scores).numpy()
    expected = plain + 3.0 / 2 * real_slopes.numpy() + 0.5 / 2 * fake_slopes.numpy()
    assert per_example.shape == (8 // pack,)
    np.testing.assert_allclose(per_example.numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(np.ravel(real_logits), real_scores.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.ravel(fake_logits), fake_scores.numpy(), rtol=1e-6)
    # the penalties weigh in, and each on its own batch: R1 on the real samples, R2 on the forgeries
    swapped = plain + 3.0 / 2 * fake_slopes.numpy() + 0.5 / 2 * real_slopes.numpy()
    assert np.max(np.abs(expected - plain)) > 1e-3 and np.max(np.abs(swapped - expected)) > 1e-3


def sgd_step(weights, loss, tape, learning_rate):
    """w <- w - learning_rate * dloss/dw, written out: what keras.optimizers.SGD (no momentum) does."""
    gradients = tape.gradient(loss, weights)
    for weight, gradient in zip(weights, gradients):
        weight.assign(weight - learning_rate * gradient)


def relativistic_step_by_hand(gan, real, noise_state, update_order, r1, r2, learning_rate):
    """One step of the relativistic game with R1 and R2, written out; returns its logs."""
    generator, discriminator = gan.generator, gan.discriminator
    gan.seed_generator.state.assign(noise_state)
    latent = gan.sample_latent(len(real))  # the step's first draw of noise
    with tf.GradientTape(persistent=True) as tape:
        fake = generator(latent, training=True)
        real_scores, real_slopes = scores_and_slopes_by_hand(discriminator, real)
        fake_scores, fake_slopes = scores_and_slopes_by_hand(discriminator, fake)
        d_losses = softplus(fake_scores - real_scores) + r1 / 2 * real_slopes + r2 / 2 * fake_slopes
        d_loss = tf.reduce_mean(d_losses)
        if update_order == "simultaneous":  # the same forgeries and the same expert for both players
            g_losses = softplus(real_scores - fake_scores)
            g_loss = tf.reduce_mean(g_losses)
    if update_order == "simultaneous":
        sgd_step(generator.trainable_weights, g_loss, tape, learning_rate)
    sgd_step(discriminator.trainable_weights, d_loss, tape, learning_rate)
    if update_order == "sequential":
        # fresh noise; the forger's forgeries paired with the SAME real batch, judged by the UPDATED expert
        latent = gan.sample_latent(len(real))
        judged_again = tf.reshape(discriminator(real, training=True), [-1])
        with tf.GradientTape(persistent=True) as tape:
            forged_scores = tf.reshape(discriminator(generator(latent, training=True), training=True), [-1])
            g_losses = softplus(judged_again - forged_scores)
            g_loss = tf.reduce_mean(g_losses)
        sgd_step(generator.trainable_weights, g_loss, tape, learning_rate)
    return {"d_loss": float(d_loss), "g_loss": float(g_loss),
            "score_real": float(tf.reduce_mean(real_scores)), "score_fake": float(tf.reduce_mean(fake_scores))}


@pytest.mark.parametrize("update_order", ["sequential", "simultaneous"])
def test_one_relativistic_step_with_r1_and_r2_moves_the_weights_as_written_by_hand(update_order):
    gan = toy_gan("relativistic", r1_penalty=2.0, r2_penalty=1.0, update_order=update_order)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    real = data.sample_ring(64, seed=1)
    initial = gan.discriminator.get_weights(), gan.generator.get_weights()
    noise_state = np.asarray(gan.seed_generator.state).copy()
    logs = gan.train_on_batch(real, return_dict=True)
    after = [w.numpy() for w in gan.discriminator.weights + gan.generator.weights]
    gan.discriminator.set_weights(initial[0])
    gan.generator.set_weights(initial[1])
    expected = relativistic_step_by_hand(gan, tf.constant(real), noise_state, update_order, 2.0, 1.0, 0.5)
    by_hand = [w.numpy() for w in gan.discriminator.weights + gan.generator.weights]
    for got, want in zip(after, by_hand):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert max(np.max(np.abs(w - w0)) for w, w0 in zip(after, initial[0] + initial[1])) > 1e-2  # the step moved
    # the metrics: the expert's raw scores (no probability under the relativistic loss), before its update
    assert set(logs) == {"d_loss", "g_loss", "score_real", "score_fake"}
    for key, value in expected.items():
        assert logs[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


def test_the_penalty_weights_are_checked_and_round_trip_through_the_config():
    for option, bad in (("r1_penalty", -1.0), ("r2_penalty", -0.5), ("r1_penalty", float("nan")),
                        ("r2_penalty", float("nan"))):
        with pytest.raises(ValueError, match=rf"{option} must be >= 0; got {bad!r}"):
            ganlib.GAN(models.mlp_generator(), models.mlp_discriminator(), loss="relativistic", **{option: bad})
    gan = toy_gan("relativistic", r1_penalty=0.25, r2_penalty=0.125, pack=2)
    config = gan.get_config()
    assert (config["loss"], config["r1_penalty"], config["r2_penalty"]) == ("relativistic", 0.25, 0.125)
    restored = ganlib.GAN.from_config(config)
    assert (restored.loss_name, restored.r1_penalty, restored.r2_penalty, restored.pack) == ("relativistic", 0.25,
                                                                                          0.125, 2)
    assert (toy_gan().r1_penalty, toy_gan().r2_penalty) == (0.0, 0.0)  # off by default


def test_a_conditional_game_takes_r1_and_r2_on_the_images_judged_with_their_labels():
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(
        models.conditional_dcgan_generator(latent_dim=8, num_classes=10, width=4, embedding_dim=4),
        models.conditional_dcgan_discriminator(num_classes=10, width=4),
        num_classes=10, loss="relativistic", r1_penalty=1.0, r2_penalty=0.5, seed=0,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    images, labels = data.load_digits(split="test")
    real, real_labels = data.scale_images(images[:16]), tf.constant(labels[:16].astype(np.int32))
    fake_labels = tf.constant(np.arange(16) % 10, tf.int32)
    fake = gan.generator([gan.sample_latent(16, seed=1), fake_labels])
    per_example, _, _ = gan._discriminator_loss(tf.constant(real), real_labels, fake, fake_labels)
    real_scores, real_slopes = scores_and_slopes_by_hand(gan.discriminator, real, real_labels)
    fake_scores, fake_slopes = scores_and_slopes_by_hand(gan.discriminator, fake.numpy(), fake_labels)
    expected = softplus(fake_scores - real_scores) + 0.5 * real_slopes + 0.25 * fake_slopes
    np.testing.assert_allclose(per_example.numpy(), expected.numpy(), rtol=1e-5)
    assert float(tf.reduce_max(real_slopes)) > 1e-4  # the penalty is not zero
    logs = gan.train_on_batch(real, real_labels, return_dict=True)
    assert set(logs) == {"d_loss", "g_loss", "score_real", "score_fake"}
    assert all(np.isfinite(value) for value in logs.values())
