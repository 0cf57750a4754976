"""When `TrainingHealth` stops a game whose losses broke (chapter 05), its advice gets the last good weights back."""

import re

import keras
import numpy as np

from ganlib import GAN, data, health, models

STEPS_PER_EPOCH = 20


def small_game():
    gan = GAN(models.mlp_generator(2, 2, width=32, depth=2), models.mlp_discriminator(2, width=32, depth=2),
              loss="wasserstein", seed=0)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    return gan


def players_weights(gan) -> list:
    return gan.generator.get_weights() + gan.discriminator.get_weights()


def all_finite(weights) -> bool:
    return all(np.all(np.isfinite(w)) for w in weights)


class Explode(keras.callbacks.Callback):
    """From the start of epoch ``at`` (counted from 0), learning rates so large that the game breaks at once."""

    def __init__(self, at: int):
        super().__init__()
        self.at = at

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at:
            self.model.d_optimizer.learning_rate.assign(1e30)
            self.model.g_optimizer.learning_rate.assign(1e30)


class EpochWeights(keras.callbacks.Callback):
    """Copies of the players' weights at the end of every epoch, keyed by epoch counted from 1."""

    def __init__(self):
        super().__init__()
        self.copies = {}

    def on_epoch_end(self, epoch, logs=None):
        self.copies[epoch + 1] = players_weights(self.model)


def play(callbacks, explode_at: int, epochs: int = 6):
    gan = small_game()
    watcher = health.TrainingHealth(data.sample_ring(1024, seed=0), every=10, probe_size=256, verbose=False,
                                    warmup_steps=10_000)
    recorder = EpochWeights()
    gan.fit(data.make_dataset(data.sample_ring(4096, seed=0), 64, seed=0).repeat(), steps_per_epoch=STEPS_PER_EPOCH,
            epochs=epochs, verbose=0, callbacks=[watcher, *callbacks, recorder, Explode(explode_at)])
    return gan, watcher, recorder


def test_the_stop_message_leads_back_to_the_last_good_weights(tmp_path):
    checkpoints = keras.callbacks.ModelCheckpoint(str(tmp_path / "epoch_{epoch}.weights.h5"), save_weights_only=True)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    gan, watcher, recorder = play([checkpoints, backup], explode_at=2)

    assert watcher.kinds()[-1] == "not_finite"
    assert watcher.step < 3 * STEPS_PER_EPOCH  # stopped in the third epoch, not trained on
    assert not all_finite(players_weights(gan))  # the game's weights are broken now
    assert watcher.last_good_epoch == 2 and all_finite(recorder.copies[2])
    message = watcher.warnings[-1]["message"]
    assert "end of epoch 2" in message

    # follow the advice: the checkpoint callback it names, then the load_weights call it names
    assert 'ModelCheckpoint(folder + "/epoch_{epoch}.weights.h5", save_weights_only=True)' in message
    call = re.search(r'gan\.load_weights\(folder \+ "/(?P<name>[^"]+)"\)', message)
    assert call, message
    gan.load_weights(tmp_path / call["name"])
    restored = players_weights(gan)
    assert all_finite(restored)
    for got, saved in zip(restored, recorder.copies[2], strict=True):
        np.testing.assert_array_equal(got, saved)

    # and what it warns against: BackupAndRestore kept only the latest state, saved after the stop
    assert "BackupAndRestore` cannot" in message
    broken = small_game()
    broken.load_weights(tmp_path / "backup" / "latest.weights.h5")
    assert not all_finite(players_weights(broken))


def test_a_game_that_breaks_in_its_first_epoch_is_told_no_checkpoint_holds_good_weights():
    _, watcher, _ = play([], explode_at=0, epochs=2)
    assert watcher.kinds()[-1] == "not_finite"
    assert watcher.last_good_epoch is None
    message = watcher.warnings[-1]["message"]
    assert "No epoch ended with finite weights" in message and "load_weights" not in message
