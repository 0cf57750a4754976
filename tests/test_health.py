"""The training-health callback (chapter 05): each failure it names is provoked on a small, fast game."""

import keras
import numpy as np
import pytest

import ganlib
from ganlib import GAN, data, health, metrics, models


def small_game(loss="non_saturating", d_learning_rate=1e-2, g_learning_rate=1e-2, d_steps=1, seed=0,
               generator=None, width=32, depth=2):
    generator = generator or models.mlp_generator(2, 2, width=width, depth=depth)
    discriminator = models.mlp_discriminator(2, width=width, depth=depth)
    gan = GAN(generator, discriminator, loss=loss, d_steps=d_steps, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_learning_rate, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(g_learning_rate, beta_1=0.5),
    )
    return gan


def train(gan, steps, batch_size=128, **options):
    real = data.sample_ring(4096, seed=0)
    watcher = health.TrainingHealth(real, verbose=False, **options)
    gan.fit(data.make_dataset(real, batch_size, seed=0).repeat(), steps_per_epoch=steps, epochs=1, verbose=0,
            callbacks=[watcher])
    return watcher


def test_a_strong_expert_wins_and_the_minimax_gradient_vanishes():
    # the expert learns fast (and 3 times per round) while the forger barely moves
    gan = small_game("minimax", d_learning_rate=1e-2, g_learning_rate=1e-7, d_steps=3)
    watcher = train(gan, 300, every=50, warmup_steps=10_000)
    assert "expert_wins" in watcher.kinds()
    assert "vanishing_gradient" in watcher.kinds()
    last = watcher.records[-1]
    assert last["d_real"] > 0.99 and last["d_fake"] < 0.01
    assert last["gradient_norm"] < 1e-3
    message = next(w["message"] for w in watcher.warnings if w["kind"] == "expert_wins")
    assert "expert wins" in message and "D(real)" in message


def test_the_non_saturating_gradient_does_not_vanish_under_the_same_expert():
    gan = small_game("non_saturating", d_learning_rate=1e-2, g_learning_rate=1e-7, d_steps=3)
    watcher = train(gan, 300, every=50, warmup_steps=10_000)
    assert "expert_wins" in watcher.kinds()
    assert "vanishing_gradient" not in watcher.kinds()
    assert min(record["gradient_norm"] for record in watcher.records) > 0.1


def test_a_forger_that_paints_one_point_is_called_collapsed():
    # a forger whose last layer is frozen at zero weights paints the same point, whatever its latent
    generator = models.mlp_generator(2, 2, width=32, depth=2)
    last = generator.get_layer("points")
    last.set_weights([np.zeros_like(w) for w in last.get_weights()])
    last.trainable = False
    gan = small_game(generator=generator, g_learning_rate=1e-3)
    watcher = train(gan, 60, every=20, warmup_steps=20)
    assert watcher.kinds().count("collapse") == 1  # said once, not at every check
    assert watcher.records[-1]["spread"] < 0.01
    assert watcher.records[-1]["recall"] < 0.05


def test_a_healthy_forger_is_not_called_collapsed():
    # a gentle non-saturating game (Adam 5e-4, batches of 256) that spreads its forgeries over the whole ring
    ganlib.runtime.set_seed(2)
    gan = small_game(d_learning_rate=5e-4, g_learning_rate=5e-4, seed=2, width=64, depth=3)
    watcher = train(gan, 300, batch_size=256, every=100, warmup_steps=100)
    assert [record["step"] for record in watcher.records] == [100, 200, 300]
    assert watcher.warnings == []  # collapse was checked at every one of them, and never fired
    for record in watcher.records:
        assert 0.8 < record["spread"] < 1.25 and record["recall"] > 0.5, record
    # the last check's numbers, measured again by hand on the trained forger's probe samples
    fake = np.asarray(gan.generator(gan.sample_latent(watcher.probe_size, seed=watcher.seed)), np.float64)
    real = np.asarray(watcher.real_probe, np.float64)
    last = watcher.records[-1]
    assert last["spread"] == pytest.approx(np.sqrt(fake.var(axis=0).mean() / real.var(axis=0).mean()), rel=1e-4)
    radii = np.sort(np.linalg.norm(fake[:, None] - fake[None], axis=-1), axis=1)[:, 3]  # 3rd-nearest fellow
    reached = np.any(np.linalg.norm(real[:, None] - fake[None], axis=-1) <= radii[None] + 1e-6, axis=1)
    assert last["recall"] == pytest.approx(reached.mean(), abs=2 / watcher.probe_size)


def recall(real, fake) -> float:
    """The probe's recall (`ganlib.metrics.recall`, k=3) of samples of any shape, each flattened."""
    return metrics.recall(np.reshape(real, (len(real), -1)), np.reshape(fake, (len(fake), -1)), k=3)


def test_spread_and_recall_on_samples_with_known_answers():
    square = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, -1.0], [0.0, 1.0]])
    assert health._spread(square) == pytest.approx(np.sqrt(0.5))  # each coordinate has variance 1/2
    assert health._spread(3.0 * square + 5.0) == pytest.approx(3.0 * np.sqrt(0.5))
    real = health.TrainingHealth(data.sample_ring(600, seed=0), probe_size=512, verbose=False).real_probe
    assert recall(real, data.sample_ring(512, seed=1)) > 0.9
    assert recall(real, np.repeat(real[:1], 512, axis=0)) < 0.05


def test_an_unbounded_wasserstein_expert_diverges():
    # no gradient penalty and no spectral normalization: the critic's scores grow without bound
    gan = small_game("wasserstein", d_learning_rate=1e-1, g_learning_rate=1e-3)
    watcher = train(gan, 100, every=20, warmup_steps=10_000, loss_limit=100.0)
    assert "divergence" in watcher.kinds()
    assert max(abs(record["d_loss"]) for record in watcher.records) > 100.0


def test_not_finite_losses_stop_training():
    gan = small_game("wasserstein", d_learning_rate=1e6, g_learning_rate=1e6)
    watcher = train(gan, 500, every=50, warmup_steps=10_000)
    assert watcher.kinds()[-1] == "not_finite"
    assert watcher.step < 500  # stopped early instead of training on
    assert "training stopped" in watcher.warnings[-1]["message"]


def test_loss_trend_names_oscillation_divergence_and_calm():
    steps = np.arange(12)
    assert health.loss_trend(1.0 + np.sin(steps * np.pi / 2 + 0.5)) == "oscillation"
    assert health.loss_trend(0.69 + 0.01 * np.sin(steps * np.pi / 2 + 0.5)) is None  # small noise
    assert health.loss_trend(12.0 + 0.3 * (-1.0) ** steps) is None  # noise small next to the loss
    assert health.loss_trend(2.0 ** steps) == "divergence"
    assert health.loss_trend([0.1, 0.2, 500.0]) == "divergence"
    assert health.loss_trend(1.0 + np.exp(-steps)) is None  # settling


def test_bad_settings_raise_value_error():
    real = data.sample_ring(100, seed=0)
    with pytest.raises(ValueError, match="probe_size"):
        health.TrainingHealth(real, probe_size=512)
    with pytest.raises(ValueError, match="every"):
        health.TrainingHealth(real, every=0, probe_size=64)
    with pytest.raises(ValueError, match="at least 3"):
        health.loss_trend([1.0, 2.0])


def test_mode_tracker_measures_the_untrained_forger_and_every_check():
    gan = small_game()
    tracker = health.ModeTracker("ring", every=10)
    gan.fit(data.make_dataset(data.sample_ring(2048, seed=0), 128, seed=0).repeat(), steps_per_epoch=30,
            epochs=1, verbose=0, callbacks=[tracker])
    assert tracker.steps == [0, 10, 20, 30]
    assert tracker.series("modes").shape == (4,)
    assert all(record["num_samples"] == 2500 and record["num_modes"] == 8 for record in tracker.history)
    with pytest.raises(ValueError, match="dataset"):
        health.ModeTracker("spiral")


def test_spread_and_recall_work_on_images_without_a_huge_distance_array():
    rng = np.random.default_rng(0)
    real = rng.uniform(-1, 1, (512, 28, 28, 1)).astype(np.float32)
    assert recall(real, rng.uniform(-1, 1, (512, 28, 28, 1))) > 0.5
    assert recall(real, np.zeros((512, 28, 28, 1))) == 0.0
    assert health._spread(np.zeros((512, 28, 28, 1))) == 0.0


def test_the_probe_pairs_the_real_probe_with_the_forged_one_under_the_relativistic_loss():
    gan = small_game("relativistic")
    watcher = train(gan, 4, every=2, probe_size=64, warmup_steps=10_000)
    assert [record["step"] for record in watcher.records] == [2, 4]
    assert watcher.warnings == []
    # the last check's losses, computed by hand: real probe sample i against forged probe sample i
    fake = gan.generator(gan.sample_latent(watcher.probe_size, seed=watcher.seed))
    real_scores = np.ravel(gan.discriminator(watcher.real_probe)).astype(np.float64)
    fake_scores = np.ravel(gan.discriminator(fake)).astype(np.float64)
    last = watcher.records[-1]
    assert last["g_loss"] == pytest.approx(np.mean(np.logaddexp(0.0, real_scores - fake_scores)), rel=1e-5)
    assert last["d_loss"] == pytest.approx(np.mean(np.logaddexp(0.0, fake_scores - real_scores)), rel=1e-5)
    assert np.isfinite(last["gradient_norm"]) and last["gradient_norm"] > 0
    # raw scores have no decision threshold: no accuracies, no D(x)
    assert not {"real_accuracy", "fake_accuracy", "d_real", "d_fake"} & set(last)
