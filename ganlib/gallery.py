"""The colour forger of chapter 12: DCGAN players for 32x32 RGB paintings, and the recipe that trains them.

The players are chapter 04's, for 32x32 colour images: the forger grows an 8x8 map to 32x32x3
through two transposed convolutions, the expert shrinks it through two strided ones. With
``num_classes`` the forger is told which painter's style to paint (chapter 08's embedding) and
the expert judges the pair (projection). The recipe reuses chapter 04's
game (`ganlib.recipes`): the non-saturating loss, Adam, the moving average of the forger's
weights, and a wall-clock budget. Used by chapter 12 and ``python -m ganlib train paintings``.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from ganlib import paintings, runtime
from ganlib.gan import GAN
from ganlib.models import _batch_normalization, _check_labels_setup, _check_positive, _expert_features
from ganlib.recipes._shared import check_budget, compiled_digits_gan, fit_digits, with_overrides

#: The recipe's settings; ``train_paintings`` takes any of them as keyword arguments.
PAINTINGS_RECIPE = {
    "latent_dim": 64,
    "width": 16,
    "batch_size": 64,
    "d_learning_rate": 1e-3,
    "g_learning_rate": 1e-3,
    "beta_1": 0.5,
    "generator_average": 0.999,
    "update_order": "sequential",
    "num_paintings": 8000,
}

#: ``python -m ganlib train paintings``'s budget when neither ``--seconds`` nor ``--epochs`` is given.
DEFAULT_SECONDS = 150.0
#: The seed of the real paintings that forgeries are judged against: never among the training paintings.
UNSEEN_SEED = 10_000


def painting_generator(latent_dim: int = 64, width: int = 16, num_classes: int | None = None,
                       name: str = "generator") -> keras.Model:
    """Latent vector (and a style label) -> 8x8x(4*width) -> 16x16x(2*width) -> 32x32x3 painting in [-1, 1].

    Chapter 04's forger (transposed convolutions with kernel 4 and stride 2, batch normalization
    and ReLU, tanh at the end), started from an 8x8 map and ending in three colour channels. With
    ``num_classes`` the second input is integer labels, whose learned 16-number embedding joins
    the latent vector (chapter 08). Explained in chapter 12.
    """
    _check_positive(latent_dim=latent_dim, width=width)
    side = paintings.SIZE // 4
    latent = keras.Input(shape=(latent_dim,), name="latent")
    inputs, hidden = latent, latent
    if num_classes is not None:
        _check_labels_setup(num_classes)
        labels = keras.Input(shape=(), dtype="int32", name="labels")
        embedded = layers.Embedding(num_classes, 16, name="label_embedding")(labels)
        inputs, hidden = [latent, labels], layers.Concatenate()([latent, embedded])
    hidden = layers.Dense(side * side * 4 * width, use_bias=False)(hidden)
    hidden = _batch_normalization(False)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Reshape((side, side, 4 * width))(hidden)
    hidden = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(hidden)
    hidden = _batch_normalization(False)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Conv2DTranspose(3, 4, strides=2, padding="same")(hidden)
    image = layers.Activation("tanh", dtype="float32", name="image")(hidden)
    return keras.Model(inputs, image, name=name)


def painting_discriminator(width: int = 16, num_classes: int | None = None,
                           name: str = "discriminator") -> keras.Model:
    """32x32x3 painting (and a style label) -> 16x16x(2*width) -> 8x8x(4*width) -> one logit.

    Chapter 04's expert (strided convolutions with LeakyReLU(0.2), no batch normalization) on
    colour paintings. With ``num_classes`` the logit adds the agreement of the features with the
    label's learned vector (the projection expert of chapter 08). Explained in chapter 12.
    """
    _check_positive(width=width)
    image = keras.Input(shape=(paintings.SIZE, paintings.SIZE, 3), name="image")
    features = _expert_features(image, width, dropout=0.0, spectral_normalization=False)
    logit = layers.Dense(1, dtype="float32", name="logit")(features)
    if num_classes is None:
        return keras.Model(image, logit, name=name)
    _check_labels_setup(num_classes)
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    class_vectors = layers.Embedding(num_classes, features.shape[-1], dtype="float32", name="projection")(labels)
    agreement = layers.Dot(axes=1, dtype="float32", name="agreement")([class_vectors, features])
    logit = layers.Add(dtype="float32", name="conditional_logit")([logit, agreement])
    return keras.Model([image, labels], logit, name=name)


def paintings_gan(seed: int = 0, precision: str = "auto", num_classes: int | None = None, **settings) -> GAN:
    """A compiled `GAN` with the recipe's players and optimizers (any setting can be overridden)."""
    recipe = with_overrides(PAINTINGS_RECIPE, settings)
    with runtime.dtype_policy(runtime.resolve_precision(precision)):
        generator = painting_generator(recipe["latent_dim"], recipe["width"], num_classes)
        discriminator = painting_discriminator(recipe["width"], num_classes)
    return compiled_digits_gan(generator, discriminator, recipe, seed, num_classes=num_classes)


def training_paintings(styles=("mondrian",), num_paintings: int = PAINTINGS_RECIPE["num_paintings"], seed: int = 0):
    """The paintings a forger learns from: ``num_paintings`` of each style, and each one's style index.

    Training paintings come from seeds ``seed``, ``seed + 1``, ...; chapter 12 judges forgeries
    against paintings of other seeds, which the forger never saw.
    """
    styles = tuple(styles)
    for style in styles:
        if style not in paintings.STYLES:
            raise ValueError(f"styles must be some of {paintings.STYLES}; got {styles!r}")
    images = [paintings.paint(num_paintings, style, seed=seed) for style in styles]
    labels = np.repeat(np.arange(len(styles), dtype=np.int32), num_paintings)
    return np.concatenate(images), labels


def train_paintings(
    seconds: float | None = None,
    epochs: int | None = None,
    seed: int = 0,
    styles=("mondrian",),
    precision: str = "auto",
    callbacks=(),
    progress: bool = True,
    **settings,
):
    """Train the recipe on rule-made paintings; return ``(gan, history)``.

    One style gives chapter 12's forger of Mondrians; two or more give a conditional forger told
    which style to paint (label ``i`` is ``styles[i]``). A wall-clock budget ``seconds``, a number
    of ``epochs``, or both (whichever ends first), as `ganlib.recipes.train_digits`.
    """
    check_budget("train_paintings", seconds, epochs)
    recipe = with_overrides(PAINTINGS_RECIPE, settings)
    runtime.set_seed(seed)
    images, labels = training_paintings(styles, recipe["num_paintings"], seed=seed)
    conditional = len(tuple(styles)) > 1
    gan = paintings_gan(seed=seed, precision=precision, num_classes=len(tuple(styles)) if conditional else None,
                        **settings)
    return fit_digits(gan, images, labels if conditional else None, recipe, seed, seconds, epochs, callbacks,
                      progress)


def judge_forger(gan: GAN, styles=("mondrian",), seed: int = 0, num_forgeries: int = 500,
                 num_unseen: int = 1000, num_paintings: int = PAINTINGS_RECIPE["num_paintings"]) -> dict:
    """`ganlib.paintings.check_paintings` for each style: forgeries against unseen paintings and the training set.

    ``gan`` was trained by `train_paintings` with the same ``styles``, ``seed`` and ``num_paintings``
    (its training paintings are redrawn to look for copies); a conditional forger is asked for each style in
    turn. Returns ``{style: checks}``. Explained in chapter 12.
    """
    styles = tuple(styles)
    conditional = gan.num_classes is not None
    if conditional != (len(styles) > 1) or (conditional and gan.num_classes != len(styles)):
        raise ValueError(f"expected a forger trained on the styles {styles}; "
                         f"got one with num_classes={gan.num_classes}")
    results = {}
    for index, style in enumerate(styles):
        labels = np.full(num_forgeries, index, np.int32) if conditional else None
        forgeries = gan.generate(num_forgeries, seed=seed, labels=labels)
        unseen = paintings.paint(num_unseen, style, seed=UNSEEN_SEED + seed)
        training = paintings.paint(num_paintings, style, seed=seed)
        results[style] = paintings.check_paintings(forgeries, unseen, style, training_images=training)
    return results
