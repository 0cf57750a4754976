"""Forgeries on commission (chapter 08): conditional players, the game with labels, the recipe, the CLI."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers
from PIL import Image

import ganlib
from ganlib import cli, data, models, recipes, runtime


def tiny_conditional_gan(seed=0, projection=True):
    ganlib.runtime.set_seed(seed)
    gan = ganlib.GAN(
        models.conditional_dcgan_generator(latent_dim=8, num_classes=10, width=4, embedding_dim=4),
        models.conditional_dcgan_discriminator(num_classes=10, width=4, projection=projection),
        num_classes=10,
        seed=seed,
    )
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3), g_optimizer=keras.optimizers.Adam(1e-3))
    return gan


def labelled_digits(count=64):
    images, labels = data.load_digits(split="test")
    pick = np.random.default_rng(0).permutation(len(images))[:count]
    return data.scale_images(images[pick]), labels[pick]


# --------------------------------------------------------------------------- the players
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_conditional_builders_give_the_shapes_the_game_expects(precision):
    with runtime.dtype_policy(precision):
        generator = models.conditional_dcgan_generator(latent_dim=16, num_classes=10, width=8)
        discriminator = models.conditional_dcgan_discriminator(num_classes=10, width=8)
    assert generator.input_shape == [(None, 16), (None,)]
    assert discriminator.input_shape == [(None, 28, 28, 1), (None,)]
    latent = keras.random.normal((6, 16), seed=0)
    labels = tf.constant(np.arange(6), tf.int32)
    images = generator([latent, labels])
    assert images.shape == (6, 28, 28, 1) and images.dtype == "float32"  # tanh in float32
    assert float(keras.ops.min(images)) >= -1 and float(keras.ops.max(images)) <= 1
    logits = discriminator([images, labels])
    assert logits.shape == (6, 1) and logits.dtype == "float32"  # logit and projection in float32


def test_the_label_changes_what_the_forger_paints():
    generator = models.conditional_dcgan_generator(latent_dim=8, width=4)
    latent = keras.random.normal((10, 8), seed=1)
    same_latent = keras.ops.repeat(latent[:1], 10, axis=0)
    ten_digits = generator([same_latent, tf.constant(np.arange(10), tf.int32)]).numpy()
    differences = np.abs(ten_digits[1:] - ten_digits[:1]).reshape(9, -1).max(axis=1)
    assert np.all(differences > 1e-4)  # one latent vector, ten labels: ten different images
    again = generator([same_latent, tf.constant(np.zeros(10), tf.int32)]).numpy()
    np.testing.assert_allclose(again, np.repeat(ten_digits[:1], 10, axis=0), atol=1e-6)


def test_the_projection_expert_adds_the_label_vector_times_the_features():
    discriminator = models.conditional_dcgan_discriminator(num_classes=10, width=4)
    images = tf.constant(labelled_digits(5)[0])
    features_model = keras.Model(discriminator.inputs, discriminator.get_layer("logit").input)
    features = features_model([images, tf.zeros(5, tf.int32)]).numpy()
    class_vectors = discriminator.get_layer("projection").embeddings.numpy()
    plain = discriminator.get_layer("logit")(features).numpy()[:, 0]
    for label in (0, 7):
        logits = discriminator([images, tf.fill([5], label)]).numpy()[:, 0]
        np.testing.assert_allclose(logits, plain + features @ class_vectors[label], rtol=1e-4, atol=1e-4)
    # without the label vectors the label no longer matters
    discriminator.get_layer("projection").embeddings.assign(tf.zeros_like(class_vectors))
    np.testing.assert_allclose(
        discriminator([images, tf.fill([5], 3)]).numpy(), discriminator([images, tf.fill([5], 8)]).numpy()
    )


def test_the_label_map_expert_sees_the_label():
    discriminator = models.conditional_dcgan_discriminator(num_classes=10, width=4, projection=False)
    images = tf.constant(labelled_digits(4)[0])
    zeros, nines = discriminator([images, tf.zeros(4, tf.int32)]), discriminator([images, tf.fill([4], 9)])
    assert np.all(np.abs(zeros.numpy() - nines.numpy()) > 1e-6)


def test_conditional_builders_reject_bad_settings():
    with pytest.raises(ValueError, match="num_classes must be an integer >= 2; got 1"):
        models.conditional_dcgan_generator(num_classes=1)
    with pytest.raises(ValueError, match="embedding_dim must be a positive integer; got 0"):
        models.conditional_dcgan_generator(embedding_dim=0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\); got 1.5"):
        models.conditional_dcgan_discriminator(dropout=1.5)


# ------------------------------------------------------------------------------ the game
def test_make_dataset_pairs_samples_with_int32_labels():
    images, labels = labelled_digits(40)
    dataset = data.make_dataset(images, 8, seed=0, labels=labels)
    batches = list(dataset)
    assert len(batches) == 5
    batch_images, batch_labels = batches[0]
    assert batch_images.shape == (8, 28, 28, 1) and batch_labels.dtype == tf.int32
    seen_images = np.concatenate([b[0].numpy() for b in batches])
    seen_labels = np.concatenate([b[1].numpy() for b in batches])
    # shuffled together: every image still comes with its own label
    for image, label in zip(seen_images[:10], seen_labels[:10]):
        index = np.flatnonzero(np.all(images == image, axis=(1, 2, 3)))[0]
        assert labels[index] == label
    with pytest.raises(ValueError, match=r"expected 40 labels, one per sample; got 39"):
        data.make_dataset(images, 8, labels=labels[:39])
    with pytest.raises(ValueError, match="got dtype float"):
        data.make_dataset(images, 8, labels=labels.astype(np.float32))


def test_a_conditional_game_trains_on_images_with_labels():
    gan = tiny_conditional_gan()
    images, labels = labelled_digits(64)
    history = gan.fit(data.make_dataset(images, 32, seed=0, labels=labels), epochs=2, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert all(np.isfinite(values[-1]) for values in history.history.values())
    assert gan.g_optimizer.iterations.numpy() == 4
    labels_drawn = gan.sample_labels(2000, seed=3).numpy()
    assert labels_drawn.dtype == np.int32 and set(labels_drawn.tolist()) == set(range(10))
    assert np.bincount(labels_drawn).min() > 150  # uniform: about 200 each


def conditional_mlp_players():
    """A 2-D forger and expert that see the label through an embedding (2 classes)."""
    latent, labels = keras.Input(shape=(2,)), keras.Input(shape=(), dtype="int32")
    hidden = layers.Concatenate()([latent, layers.Embedding(2, 4)(labels)])
    for _ in range(2):
        hidden = layers.Dense(32, activation="relu")(hidden)
    generator = keras.Model([latent, labels], layers.Dense(2)(hidden))
    points, labels = keras.Input(shape=(2,)), keras.Input(shape=(), dtype="int32")
    hidden = layers.Concatenate()([points, layers.Embedding(2, 4)(labels)])
    for _ in range(2):
        hidden = layers.LeakyReLU(0.2)(layers.Dense(32)(hidden))
    discriminator = keras.Model([points, labels], layers.Dense(1)(hidden))
    return generator, discriminator


def test_the_forger_learns_to_paint_the_class_it_is_asked_for():
    # class 0 lives around (-2, 0), class 1 around (+2, 0): the unconditional answer (both, or the
    # middle) is wrong for each label; only a forger that obeys the label gets both right
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 4096)
    points = np.stack([np.where(labels == 0, -2.0, 2.0), np.zeros(4096)], axis=1) + 0.2 * rng.standard_normal(
        (4096, 2)
    )
    ganlib.runtime.set_seed(0)
    gan = ganlib.GAN(*conditional_mlp_players(), num_classes=2, seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-3), g_optimizer=keras.optimizers.Adam(2e-3))
    gan.fit(data.make_dataset(points.astype(np.float32), 128, seed=0, labels=labels), epochs=15, verbose=0)
    asked = np.repeat([0, 1], 500)
    painted = gan.generate(1000, seed=1, labels=asked)
    on_the_right_side = np.where(asked == 0, painted[:, 0] < 0, painted[:, 0] > 0)
    assert on_the_right_side.mean() > 0.95, on_the_right_side.mean()
    assert abs(painted[asked == 0, 0].mean() + 2.0) < 1.0 and abs(painted[asked == 1, 0].mean() - 2.0) < 1.0


def test_generate_paints_the_labels_asked_for():
    gan = tiny_conditional_gan()
    default = gan.generate(12, seed=4)  # labels 0..9, 0, 1
    explicit = gan.generate(12, seed=4, labels=np.arange(12) % 10)
    np.testing.assert_array_equal(default, explicit)
    sevens = gan.generate(12, seed=4, labels=np.full(12, 7))
    assert not np.allclose(sevens[:7], default[:7])
    np.testing.assert_allclose(sevens[7], default[7], atol=1e-6)  # same latent, same label: same image
    # batched generation gives the same images as one batch
    np.testing.assert_allclose(gan.generate(12, seed=4, batch_size=5), default, atol=1e-6)


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.arange(5), "expected 6 labels, one per sample; got 5"),
        (np.full(6, 10), r"labels must lie in \[0, 10\); got 10..10"),
        (np.full(6, -1), r"labels must lie in \[0, 10\)"),
        (np.zeros(6, np.float32), "labels must be integers"),
        (np.zeros((6, 2), np.int32), "labels must be integers of shape"),
    ],
)
def test_generate_rejects_bad_labels(labels, message):
    with pytest.raises(ValueError, match=message):
        tiny_conditional_gan().generate(6, seed=0, labels=labels)


def test_labels_for_an_unconditional_gan_are_rejected():
    gan = ganlib.GAN(models.dcgan_generator(latent_dim=8, width=4), models.dcgan_discriminator(width=4))
    with pytest.raises(ValueError, match="labels= needs a conditional GAN"):
        gan.generate(4, labels=np.arange(4))
    with pytest.raises(ValueError, match="sample_labels needs a conditional GAN"):
        gan.sample_labels(4)


def test_the_data_check_wants_labels_in_range():
    gan = tiny_conditional_gan()
    images, labels = labelled_digits(16)
    with pytest.raises(ValueError, match=r"trains on \(samples, labels\).*got samples without labels"):
        gan.fit(data.make_dataset(images, 8), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 10\); got \d+\.\.1[0-2]"):
        gan.fit(data.make_dataset(images, 8, labels=labels + 3), epochs=1, verbose=0)


def test_mismatched_conditional_players_are_rejected():
    generator = models.conditional_dcgan_generator(latent_dim=8, width=4)
    discriminator = models.conditional_dcgan_discriminator(width=4)
    with pytest.raises(ValueError, match=r"generator must take one input, the latent vectors; got 2"):
        ganlib.GAN(generator, models.dcgan_discriminator(width=4))
    with pytest.raises(ValueError, match=r"generator must take \[latent vectors, labels\]; got 1"):
        ganlib.GAN(models.dcgan_generator(latent_dim=8, width=4), discriminator, num_classes=10)
    with pytest.raises(ValueError, match=r"discriminator must take \[samples, labels\]; got 1"):
        ganlib.GAN(generator, models.dcgan_discriminator(width=4), num_classes=10)
    with pytest.raises(ValueError, match="pack > 1 is not supported for a conditional GAN"):
        ganlib.GAN(generator, discriminator, num_classes=10, pack=2)
    with pytest.raises(ValueError, match="num_classes must be None or an integer >= 2; got 1"):
        ganlib.GAN(generator, discriminator, num_classes=1)


def test_a_conditional_game_saves_and_reloads(tmp_path):
    gan = tiny_conditional_gan()
    images, labels = labelled_digits(64)
    gan.fit(data.make_dataset(images, 32, seed=0, labels=labels), epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    restored = keras.models.load_model(tmp_path / "gan.keras")
    assert isinstance(restored, ganlib.GAN) and restored.num_classes == 10
    asked = np.array([3, 1, 4, 1, 5, 9, 2, 6])
    np.testing.assert_array_equal(gan.generate(8, seed=5, labels=asked), restored.generate(8, seed=5, labels=asked))
    restored.fit(data.make_dataset(images, 32, seed=0, labels=labels), epochs=1, verbose=0)
    assert restored.g_optimizer.iterations.numpy() == 4  # the optimizers' state came back, training goes on


# ---------------------------------------------------------------------------- the recipe
def test_the_exported_conditional_forger_is_float32_and_paints_the_same_digits(tmp_path):
    gan = recipes.conditional_digits_gan(seed=0, precision="bfloat16", width=4)
    images, labels = labelled_digits(64)
    gan.fit(data.make_dataset(images, 32, seed=0, labels=labels), epochs=1, verbose=0)
    assert gan.generator.compute_dtype == "bfloat16"
    exported = recipes.export_generator(gan)
    assert exported.compute_dtype == "float32" and exported.input_shape == [(None, 64), (None,)]
    exported.save(tmp_path / "generator.keras")
    reloaded = keras.models.load_model(tmp_path / "generator.keras")
    from_gan, asked = recipes.commissioned_digits(gan, num_per_digit=3, seed=2)
    from_file, asked_again = recipes.commissioned_digits(reloaded, num_per_digit=3, seed=2)
    np.testing.assert_array_equal(asked, np.arange(30) % 10)
    np.testing.assert_array_equal(asked, asked_again)
    assert np.abs(from_gan - from_file).max() < 0.05  # bf16 training copy against its float32 export
    with pytest.raises(ValueError, match="unknown recipe settings"):
        recipes.conditional_digits_gan(colour=True)
    with pytest.raises(ValueError, match="images= and labels= together"):
        recipes.train_conditional_digits(epochs=1, images=images)


def test_commission_agreement_counts_the_requested_digit():
    images, labels = data.load_digits(split="test")
    images = data.scale_images(images)
    honest = recipes.commission_agreement(images, labels)
    assert honest["recognized"] > 0.95 and min(honest["recognized_per_digit"]) > 0.9
    assert honest["confident"] <= honest["recognized"]
    assert all(c <= r for c, r in zip(honest["confident_per_digit"], honest["recognized_per_digit"]))
    wrong = recipes.commission_agreement(images, (labels + 1) % 10)  # every label off by one
    assert wrong["recognized"] < 0.05
    with pytest.raises(ValueError, match=r"none asked for \[9\]"):
        recipes.commission_agreement(images[labels < 9], labels[labels < 9])
    with pytest.raises(ValueError, match="labels must be digits 0..9"):
        recipes.commission_agreement(images, labels + 1)


def test_command_line_trains_a_conditional_forger_and_samples_it(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "conditional-digits", "--out", str(out), "--seconds", "3", "--seed", "1"]) == 0
    generator = keras.models.load_model(out / "generator.keras")
    assert generator.input_shape == [(None, recipes.CONDITIONAL_DIGITS_RECIPE["latent_dim"]), (None,)]
    assert json.loads((out / "generator.json").read_text()) == {"num_classes": 10}  # what `sample` reads
    assert generator.compute_dtype == "float32"
    latent = np.random.default_rng(0).standard_normal((10, 64)).astype(np.float32)
    images = generator.predict([latent, np.arange(10, dtype=np.int32)], verbose=0)
    assert images.shape == (10, 28, 28, 1) and images.min() >= -1 and images.max() <= 1
    with Image.open(out / "samples.png") as picture:
        assert picture.size[1] > picture.size[0]  # 10 rows of 8
    verdict = json.loads((out / "metrics.json").read_text())
    assert verdict["num_samples"] == 1000 and len(verdict["recognized_per_digit"]) == 10
    assert np.isclose(np.mean(verdict["recognized_per_digit"]), verdict["recognized"])
    assert 0 <= verdict["confident"] <= verdict["recognized"] <= 1 and "frechet_distance" in verdict
    summary = json.loads((out / "run.json").read_text())
    assert summary["conditional"] and summary["steps"] > 0
    printed = capsys.readouterr().out
    assert "recognized" in printed and f"{verdict['recognized']:.1%}" in printed
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "generator.keras"), "--out", str(grid), "-n", "30"]) == 0
    assert "wrote 30 samples (3 per label, one row each)" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["train", "ring", "--conditional", "--out", str(out)])
