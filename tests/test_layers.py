"""ganlib.layers.FusedBatchNormalization (chapter 11) computes what keras.layers.BatchNormalization computes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from ganlib import models
from ganlib.layers import FusedBatchNormalization


def twins(shape, seed=0):
    """The Keras layer and the fused one, built for ``shape`` with the same random weights and statistics."""
    rng = np.random.default_rng(seed)
    keras_layer, fused = keras.layers.BatchNormalization(momentum=0.8), FusedBatchNormalization(momentum=0.8)
    for layer in (keras_layer, fused):
        layer.build(shape)
    channels = shape[-1]
    weights = [rng.uniform(0.5, 1.5, channels), rng.normal(size=channels), rng.normal(size=channels),
               rng.uniform(0.5, 2.0, channels)]  # gamma, beta, moving mean, moving variance
    for layer in (keras_layer, fused):
        layer.set_weights([w.astype(np.float32) for w in weights])
    return keras_layer, fused


@pytest.mark.parametrize("shape", [(16, 10), (8, 5, 5, 6)])
def test_training_step_matches_keras_outputs_gradients_and_moving_statistics(shape):
    keras_layer, fused = twins(shape)
    inputs = tf.constant(np.random.default_rng(1).normal(2.0, 3.0, size=shape).astype(np.float32))
    results = []
    for layer in (keras_layer, fused):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs, training=True)
            weights = tf.range(1, outputs.shape[-1] + 1, dtype=tf.float32)
            loss = tf.reduce_sum(tf.sin(outputs) * weights)  # no gradient vanishes by symmetry
        gradients = tape.gradient(loss, [inputs, layer.gamma, layer.beta])
        results.append([outputs, *gradients, layer.moving_mean, layer.moving_variance])
    names = ["outputs", "input gradient", "gamma gradient", "beta gradient", "moving mean", "moving variance"]
    for name, expected, got in zip(names, *results):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-4, atol=1e-4, err_msg=name)
    # the moving statistics moved: the step was a real training step
    assert not np.allclose(np.asarray(fused.moving_mean), twins(shape)[1].moving_mean.numpy())


def test_inference_uses_the_moving_statistics_like_keras():
    keras_layer, fused = twins((4, 3, 3, 2), seed=3)
    inputs = np.random.default_rng(2).normal(size=(4, 3, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(fused(inputs, training=False), keras_layer(inputs, training=False), rtol=1e-6)


def test_bfloat16_inputs_give_bfloat16_outputs_close_to_keras():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        keras_layer, fused = twins((32, 7, 7, 8))
        inputs = tf.cast(np.random.default_rng(4).normal(size=(32, 7, 7, 8)), tf.bfloat16)
        got, expected = fused(inputs, training=True), keras_layer(inputs, training=True)
        assert got.dtype == tf.bfloat16
        np.testing.assert_allclose(tf.cast(got, tf.float32), tf.cast(expected, tf.float32), atol=3e-2)
        np.testing.assert_allclose(fused.moving_variance, keras_layer.moving_variance, rtol=1e-3)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_a_forger_with_fused_normalization_saves_and_reloads(tmp_path):
    forger = models.dcgan_generator(latent_dim=8, width=4)
    assert sum(isinstance(layer, FusedBatchNormalization) for layer in forger.layers) == 2
    synchronized = models.dcgan_generator(latent_dim=8, width=4, synchronized_batch_norm=True)
    assert not any(isinstance(layer, FusedBatchNormalization) for layer in synchronized.layers)
    latent = np.random.default_rng(0).normal(size=(3, 8)).astype(np.float32)
    forger(latent, training=True)  # move the moving statistics away from their start
    forger.save(tmp_path / "forger.keras")
    reloaded = keras.models.load_model(tmp_path / "forger.keras")
    np.testing.assert_array_equal(reloaded.predict(latent, verbose=0), forger.predict(latent, verbose=0))


@pytest.mark.parametrize("options, message", [
    ({"axis": 1}, "supports axis=-1 only; got 1"),
    ({"synchronized": True}, "supports synchronized=False only; got True"),
    ({"center": False}, "supports center=True only; got False"),
])
def test_unsupported_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        FusedBatchNormalization(**options)


def test_inputs_of_rank_3_are_refused():
    with pytest.raises(ValueError, match=r"rank 2 or 4; got shape \(2, 3, 4\)"):
        FusedBatchNormalization().build((2, 3, 4))


# ------------------------------------------------------------------ LeakyReLU (chapters 01, 04 and 10)
def test_leaky_relu_gives_keras_values_and_gradients_without_a_leaky_relu_operation():
    from ganlib.layers import LeakyReLU

    inputs = tf.constant(np.random.default_rng(2).normal(size=(64, 7, 7, 3)).astype(np.float32))
    results = []
    for layer in (keras.layers.LeakyReLU(0.2), LeakyReLU(0.2)):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            loss = tf.reduce_sum(tf.sin(layer(inputs)))
        results.append((layer(inputs), tape.gradient(loss, inputs)))
    for expected, got in zip(*results):
        np.testing.assert_array_equal(got, expected)
    graph = tf.function(LeakyReLU(0.2).call).get_concrete_function(tf.TensorSpec((None, 4))).graph
    operations = {operation.type for operation in graph.get_operations()}
    assert "LeakyRelu" not in operations and "Maximum" in operations, operations


def test_leaky_relu_refuses_a_slope_maximum_cannot_compute():
    from ganlib.layers import LeakyReLU

    with pytest.raises(ValueError, match=r"negative_slope must be in \[0, 1\].*got 1.5"):
        LeakyReLU(1.5)


def test_the_dcgan_experts_use_it_and_save_and_reload(tmp_path):
    from ganlib.layers import LeakyReLU

    expert = models.dcgan_discriminator(width=4)
    assert sum(isinstance(layer, LeakyReLU) for layer in expert.layers) == 2
    images = np.random.default_rng(3).uniform(-1, 1, size=(5, 28, 28, 1)).astype(np.float32)
    expert.save(tmp_path / "expert.keras")
    reloaded = keras.models.load_model(tmp_path / "expert.keras")
    np.testing.assert_allclose(reloaded.predict(images, verbose=0), expert.predict(images, verbose=0), rtol=1e-6)
