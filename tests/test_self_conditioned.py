"""Self-conditioning (chapter 04): groups found without labels, picked by the forger from its own latent."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import norm

import ganlib
from ganlib import callbacks, data, layers, models, recipes, runtime

SHARES = [0.5, 0.3, 0.2]


def latents(first, latent_dim=8, seed=0):
    """Latent vectors whose first numbers are ``first``; the rest standard normal."""
    rest = np.random.default_rng(seed).standard_normal((len(first), latent_dim - 1))
    return np.column_stack([first, rest]).astype(np.float32)


def groups_of(layer, latent):
    return keras.ops.convert_to_numpy(layer(latent))


def test_the_groups_are_picked_in_proportion_to_their_shares():
    layer = layers.ClusterFromLatent([0.1, 0.25, 0.05, 0.6])
    picked = groups_of(layer, np.random.default_rng(0).standard_normal((200_000, 4)).astype(np.float32))
    assert picked.dtype == np.int32
    np.testing.assert_allclose(np.bincount(picked, minlength=4) / len(picked), [0.1, 0.25, 0.05, 0.6], atol=0.005)


def test_the_group_is_the_slice_that_phi_of_the_first_number_falls_in():
    # u in [0, 0.5) -> 0, [0.5, 0.8) -> 1, [0.8, 1) -> 2
    points = np.array([0.01, 0.49, 0.51, 0.79, 0.81, 0.99])
    picked = groups_of(layers.ClusterFromLatent(SHARES), latents(norm.ppf(points)))
    np.testing.assert_array_equal(picked, [0, 0, 1, 1, 2, 2])


def test_the_layer_computes_in_float32_under_the_bfloat16_policy():
    # bfloat16 keeps 8 bits of mantissa: Phi^-1(0.8 -/+ 1e-4) would round to the same number
    with runtime.dtype_policy("bfloat16"):
        layer = layers.ClusterFromLatent(SHARES)
    assert layer.compute_dtype == "float32"
    picked = groups_of(layer, latents(norm.ppf([0.8 - 1e-4, 0.8 + 1e-4])))
    np.testing.assert_array_equal(picked, [1, 2])


@pytest.mark.parametrize("shares", [[1.0], [0.5, 0.6], [0.6, -0.1, 0.5], [np.nan, 1.0], [np.inf, 0.5], "ab",
                                    [[0.5, 0.5]]])
def test_shares_that_are_not_a_distribution_are_refused(shares):
    with pytest.raises(ValueError, match="at least 2 positive numbers summing to 1"):
        layers.ClusterFromLatent(shares)


def test_the_self_conditioned_forger_paints_what_the_conditional_forger_paints_for_its_group():
    runtime.set_seed(0)
    forger = models.self_conditioned_dcgan_generator(SHARES, latent_dim=8, width=4, embedding_dim=4)
    painter = models.conditional_dcgan_generator(latent_dim=8, num_classes=3, width=4, embedding_dim=4)
    painter.set_weights(forger.get_weights())  # the same layers, in the same order
    latent = np.random.default_rng(1).standard_normal((32, 8)).astype(np.float32)
    groups = groups_of(forger.get_layer("cluster_from_latent"), latent)
    assert len(set(groups)) == 3
    np.testing.assert_allclose(forger(latent), painter([latent, groups]), atol=1e-6)
    assert forger.input_shape == (None, 8)


def small_game(**options):
    runtime.set_seed(0)
    forger = models.self_conditioned_dcgan_generator(SHARES, latent_dim=8, width=4, embedding_dim=4)
    expert = models.conditional_dcgan_discriminator(num_classes=3, width=4)
    gan = ganlib.GAN(forger, expert, num_classes=3, seed=0, **options)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def test_the_expert_judges_each_forgery_with_the_group_its_latent_picked():
    gan = small_game()
    assert gan.self_conditioned and gan.conditional
    latent, labels = gan._noise(4096)
    np.testing.assert_array_equal(labels, groups_of(gan.generator.get_layer("cluster_from_latent"), latent))
    np.testing.assert_allclose(np.bincount(labels, minlength=3) / 4096, SHARES, atol=0.03)


def test_one_step_of_fit_is_the_hand_written_step_with_the_latents_groups():
    """The sequential step of chapter 03, written out, with the labels the latent picks."""
    rng = np.random.default_rng(0)
    images = np.tanh(rng.standard_normal((16, 28, 28, 1))).astype(np.float32)
    groups = rng.integers(0, 3, 16).astype(np.int32)
    gan, twin = small_game(), small_game()
    twin.set_weights(gan.get_weights())
    twin.seed_generator.state.assign(gan.seed_generator.state)
    gan.fit(images, groups, batch_size=16, epochs=1, shuffle=False, verbose=0)

    cluster = twin.generator.get_layer("cluster_from_latent")
    cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
    real, fake = np.ones((16, 1)), np.zeros((16, 1))

    def forged_scores():
        latent = twin.sample_latent(16)
        return twin.discriminator([twin.generator(latent, training=True), cluster(latent)], training=True)

    with tf.GradientTape() as tape:  # 1. the expert
        expert_loss = (cross_entropy(real, twin.discriminator([images, groups], training=True))
                       + cross_entropy(fake, forged_scores()))
    expert = twin.discriminator.trainable_variables
    twin.d_optimizer.apply_gradients(zip(tape.gradient(expert_loss, expert), expert))
    with tf.GradientTape() as tape:  # 2. the forger, against the updated expert, from fresh latents
        forger_loss = cross_entropy(real, forged_scores())
    forger = twin.generator.trainable_variables
    twin.g_optimizer.apply_gradients(zip(tape.gradient(forger_loss, forger), forger))
    for mine, theirs in zip(gan.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=2e-5)


def test_a_self_conditioned_gan_refuses_labels_and_a_mismatched_class_count():
    gan = small_game()
    images = gan.generate(5, seed=0)
    assert images.shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="self-conditioned"):
        gan.generate(3, labels=[0, 1, 2])
    forger = models.self_conditioned_dcgan_generator(SHARES, latent_dim=8, width=4, embedding_dim=4)
    for num_classes in (None, 4):
        with pytest.raises(ValueError, match="num_classes equal to its groups"):
            ganlib.GAN(forger, models.conditional_dcgan_discriminator(num_classes=3, width=4), num_classes=num_classes)


def test_a_saved_self_conditioned_gan_reloads_and_paints_the_same(tmp_path):
    gan = small_game()
    before = gan.generate(8, seed=3)
    gan.save(tmp_path / "game.keras")
    again = keras.models.load_model(tmp_path / "game.keras")
    assert again.self_conditioned and again.num_classes == 3
    np.testing.assert_allclose(again.generate(8, seed=3), before, atol=1e-6)


def test_the_digits_groups_are_deterministic_and_purer_than_random_groups():
    images, labels = data.load_digits(split="train")
    images = data.scale_images(images)[:1000]
    labels = labels[:1000]
    groups = recipes.cluster_digits(images, 20, seed=0)
    np.testing.assert_array_equal(groups, recipes.cluster_digits(images, 20, seed=0))

    def purity(assigned):  # the share of digits that belong to their group's most common digit
        return sum(np.bincount(labels[assigned == group]).max() for group in np.unique(assigned)) / len(labels)

    shuffled = np.random.default_rng(0).permutation(groups)  # groups of the same sizes, at random
    assert purity(groups) > purity(shuffled) + 0.3
    with pytest.raises(ValueError, match="num_clusters must be an integer from 2"):
        recipes.cluster_digits(images, 1)


def test_the_recipe_refuses_shares_that_do_not_match_its_groups_and_a_spent_budget():
    with pytest.raises(ValueError, match="expected cluster_shares of 60 groups"):
        recipes.digits_gan(seed=0)
    with pytest.raises(ValueError, match="plays the plain game"):
        recipes.digits_gan(seed=0, num_clusters=0, cluster_shares=SHARES)
    with pytest.raises(ValueError, match="budget was spent before training began"):
        recipes.train_digits(seconds=1e-6, seed=0, progress=False)


def test_the_recipes_float32_export_paints_like_its_forger():
    shares = np.full(recipes.DIGITS_RECIPE["num_clusters"], 1 / recipes.DIGITS_RECIPE["num_clusters"])
    gan = recipes.digits_gan(seed=0, cluster_shares=shares)
    exported = recipes.export_generator(gan)
    latent = gan.sample_latent(64, seed=5)
    assert exported.compute_dtype == "float32" and exported.input_shape == (None, gan.latent_dim)
    groups = groups_of(exported.get_layer("cluster_from_latent"), latent)
    np.testing.assert_array_equal(groups, groups_of(gan.generator.get_layer("cluster_from_latent"), latent))
    np.testing.assert_allclose(exported(latent), gan.generator(latent), atol=0.05)  # bfloat16 rounding at most


def test_a_sample_grid_of_a_self_conditioned_forger_is_square():
    gan = small_game()
    grid = callbacks.SampleGrid(num_samples=16, every=1, seed=0)
    assert callbacks._grid_columns(gan) is None
    grid.set_model(gan)
    grid.on_epoch_end(0)
    assert len(grid.frames) == 1 and grid.frames[0].shape == (16, 28, 28, 1)
