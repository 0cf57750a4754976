"""Builders for the forger (generator) and the expert (discriminator).

- `mlp_generator` / `mlp_discriminator`: small fully connected players for 1-D and 2-D toy
  data, explained in chapters 02 and 03, reused in 05 and 06.
- `dcgan_generator` / `dcgan_discriminator`: the convolutional pair for 28x28 digits,
  explained in chapter 04.
- `conditional_dcgan_generator` / `conditional_dcgan_discriminator`: the same pair told which
  digit to paint and judge (a label embedding and a projection expert), explained in chapter 08.
- `self_conditioned_dcgan_generator`: the conditional forger that picks its own group of real
  digits from its latent vector (self-conditioning), explained in chapter 04.

The last layer of each player computes in float32 so the models also run under a mixed
precision policy (chapter 11).
"""

from __future__ import annotations

import keras
from keras import layers

from ganlib import checks
from ganlib.layers import ClusterFromLatent, FusedBatchNormalization, LeakyReLU


def _check_positive(**values) -> None:
    for name, value in values.items():
        checks.check_positive_int(name, value)


def _dense(units: int, spectral_normalization: bool, **kwargs) -> layers.Layer:
    layer = layers.Dense(units, **kwargs)
    return layers.SpectralNormalization(layer) if spectral_normalization else layer


def mlp_generator(latent_dim: int = 2, output_dim: int = 2, width: int = 128, depth: int = 3,
                  name: str = "generator", batch_normalization: bool = False) -> keras.Model:
    """Latent vector -> ``depth`` ReLU layers of ``width`` units -> a point in ``output_dim`` dimensions.

    The output is linear (not tanh): toy data such as the 5x5 grid lies outside [-1, 1].
    With ``batch_normalization=True`` each hidden layer is Dense -> BatchNormalization -> ReLU,
    the forger of PacGAN's 2-D experiments (Lin et al. 2018); explained in chapter 06.
    """
    _check_positive(latent_dim=latent_dim, output_dim=output_dim, width=width, depth=depth)
    if not isinstance(batch_normalization, bool):
        raise ValueError(f"batch_normalization must be True or False; got {batch_normalization!r}")
    latent = keras.Input(shape=(latent_dim,), name="latent")
    hidden = latent
    for index in range(depth):
        if batch_normalization:
            hidden = layers.Dense(width, use_bias=False, name=f"dense_{index}")(hidden)
            hidden = layers.BatchNormalization(name=f"batch_norm_{index}")(hidden)
            hidden = layers.ReLU()(hidden)
        else:
            hidden = layers.Dense(width, activation="relu", name=f"dense_{index}")(hidden)
    points = layers.Dense(output_dim, dtype="float32", name="points")(hidden)
    return keras.Model(latent, points, name=name)


def mlp_discriminator(input_dim: int = 2, width: int = 128, depth: int = 3,
                      spectral_normalization: bool = False, name: str = "discriminator") -> keras.Model:
    """A point -> ``depth`` LeakyReLU layers of ``width`` units -> one logit: the toy expert (chapters 02 and 03)."""
    _check_positive(input_dim=input_dim, width=width, depth=depth)
    points = keras.Input(shape=(input_dim,), name="points")
    hidden = points
    for index in range(depth):
        hidden = _dense(width, spectral_normalization, name=f"dense_{index}")(hidden)
        hidden = layers.LeakyReLU(0.2)(hidden)
    logit = _dense(1, spectral_normalization, dtype="float32", name="logit")(hidden)
    return keras.Model(points, logit, name=name)


def _batch_normalization(synchronized: bool) -> layers.Layer:
    """Batch normalization; ``synchronized=True`` computes its statistics over all replicas' batches (chapter 11)."""
    if not isinstance(synchronized, bool):
        raise ValueError(f"synchronized_batch_norm must be True or False; got {synchronized!r}")
    if synchronized:
        return layers.BatchNormalization(synchronized=True)
    return FusedBatchNormalization()  # the same computation, faster on a CPU (chapter 11)


def dcgan_generator(latent_dim: int = 64, width: int = 32, name: str = "generator",
                    synchronized_batch_norm: bool = False) -> keras.Model:
    """Latent vector -> 7x7x(4*width) -> 14x14x(2*width) -> 28x28x1 image in [-1, 1] (tanh).

    Transposed convolutions with kernel 4 and stride 2 (no checkerboard from uneven overlap),
    batch normalization and ReLU, as in Radford et al. (2016), scaled down for a laptop CPU.
    On several replicas, ``synchronized_batch_norm=True`` makes the forger compute what it
    computes on one device (chapter 11); on one device it changes nothing. Explained in chapter 04.
    """
    _check_positive(latent_dim=latent_dim, width=width)
    latent = keras.Input(shape=(latent_dim,), name="latent")
    hidden = layers.Dense(7 * 7 * 4 * width, use_bias=False)(latent)
    hidden = _batch_normalization(synchronized_batch_norm)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Reshape((7, 7, 4 * width))(hidden)
    hidden = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(hidden)
    hidden = _batch_normalization(synchronized_batch_norm)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Conv2DTranspose(1, 4, strides=2, padding="same")(hidden)
    image = layers.Activation("tanh", dtype="float32", name="image")(hidden)
    return keras.Model(latent, image, name=name)


def dcgan_discriminator(width: int = 32, dropout: float = 0.0, spectral_normalization: bool = False,
                        name: str = "discriminator") -> keras.Model:
    """28x28x1 image -> 14x14x(2*width) -> 7x7x(4*width) -> one logit.

    Strided convolutions and LeakyReLU(0.2), no batch normalization (real and fake batches
    pass separately, so batch statistics would tell them apart). Explained in chapter 04.
    """
    _check_positive(width=width)
    image = keras.Input(shape=(28, 28, 1), name="image")
    features = _expert_features(image, width, dropout, spectral_normalization)
    logit = _dense(1, spectral_normalization, dtype="float32", name="logit")(features)
    return keras.Model(image, logit, name=name)


def _expert_features(images, width: int, dropout: float, spectral_normalization: bool):
    """The DCGAN expert's feature extractor: two strided convolutions with LeakyReLU(0.2), flattened.

    Shared by `dcgan_discriminator` and `conditional_dcgan_discriminator` (their ``phi(x)``).
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout!r}")

    def conv(filters):
        layer = layers.Conv2D(filters, 4, strides=2, padding="same")
        return layers.SpectralNormalization(layer) if spectral_normalization else layer

    hidden = conv(2 * width)(images)
    hidden = LeakyReLU(0.2)(hidden)  # ganlib's: the same function, no "remapper failed" log line
    hidden = conv(4 * width)(hidden)
    hidden = LeakyReLU(0.2)(hidden)
    features = layers.Flatten()(hidden)
    return layers.Dropout(dropout)(features) if dropout else features


# ------------------------------------------------------------------ conditional players
def _check_labels_setup(num_classes, embedding_dim=None) -> None:
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2; got {num_classes!r}")
    if embedding_dim is not None:
        _check_positive(embedding_dim=embedding_dim)


def conditional_dcgan_generator(latent_dim: int = 64, num_classes: int = 10, width: int = 32,
                                embedding_dim: int = 16, name: str = "generator",
                                synchronized_batch_norm: bool = False) -> keras.Model:
    """(latent vector, label) -> 28x28x1 image in [-1, 1]: the forger paints the digit it is asked for.

    The label's learned embedding (``embedding_dim`` numbers) is concatenated to the latent
    vector, then the layers of `dcgan_generator` follow; the embedding is also broadcast over
    the 7x7 feature maps, so the first transposed convolution sees the label at every position.
    Inputs: latent ``(batch, latent_dim)`` float, labels ``(batch,)`` int32. Explained in chapter 08;
    ``synchronized_batch_norm`` as in `dcgan_generator`.
    """
    _check_positive(latent_dim=latent_dim, width=width)
    _check_labels_setup(num_classes, embedding_dim)
    latent = keras.Input(shape=(latent_dim,), name="latent")
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    image = _conditional_painting(latent, labels, num_classes, width, embedding_dim, synchronized_batch_norm)
    return keras.Model([latent, labels], image, name=name)


def self_conditioned_dcgan_generator(cluster_shares, latent_dim: int = 64, width: int = 32, embedding_dim: int = 16,
                                     name: str = "generator", synchronized_batch_norm: bool = False) -> keras.Model:
    """latent vector -> 28x28x1 image: the forger paints the group of real digits its latent picks (chapter 04).

    Self-conditioning (Liu et al. 2020): `ganlib.layers.ClusterFromLatent` turns the latent's first
    number into a group, drawn in proportion to ``cluster_shares`` (the groups' shares of the real
    digits); the layers of `conditional_dcgan_generator`, in the same order, paint that group.
    Input: latent ``(batch, latent_dim)`` only, so the forger is used, saved and sampled like
    `dcgan_generator`'s. `ganlib.GAN` finds the cluster layer and lets the expert judge (image, group).
    """
    _check_positive(latent_dim=latent_dim, width=width)
    cluster = ClusterFromLatent(cluster_shares, name="cluster_from_latent")
    _check_labels_setup(cluster.num_clusters, embedding_dim)
    latent = keras.Input(shape=(latent_dim,), name="latent")
    image = _conditional_painting(latent, cluster(latent), cluster.num_clusters, width, embedding_dim,
                                  synchronized_batch_norm)
    return keras.Model(latent, image, name=name)


def _conditional_painting(latent, labels, num_classes, width, embedding_dim, synchronized_batch_norm):
    """The conditional forger's layers from (latent, label) to the image (chapters 04 and 08)."""
    embedded = layers.Embedding(num_classes, embedding_dim, name="label_embedding")(labels)
    hidden = layers.Concatenate()([latent, embedded])
    hidden = layers.Dense(7 * 7 * 4 * width, use_bias=False)(hidden)
    hidden = _batch_normalization(synchronized_batch_norm)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Reshape((7, 7, 4 * width))(hidden)
    label_maps = layers.RepeatVector(7 * 7)(embedded)
    label_maps = layers.Reshape((7, 7, embedding_dim))(label_maps)
    hidden = layers.Concatenate()([hidden, label_maps])
    hidden = layers.Conv2DTranspose(2 * width, 4, strides=2, padding="same", use_bias=False)(hidden)
    hidden = _batch_normalization(synchronized_batch_norm)(hidden)
    hidden = layers.ReLU()(hidden)
    hidden = layers.Conv2DTranspose(1, 4, strides=2, padding="same")(hidden)
    return layers.Activation("tanh", dtype="float32", name="image")(hidden)


def conditional_dcgan_discriminator(num_classes: int = 10, width: int = 32, projection: bool = True,
                                    dropout: float = 0.0, spectral_normalization: bool = False,
                                    name: str = "discriminator") -> keras.Model:
    """(28x28x1 image, label) -> one logit: is this a real painting *of that digit*?

    With ``projection=True`` (Miyato & Koyama, 2018) the layers of `dcgan_discriminator` give
    features ``phi(x)`` and the logit is ``psi(phi(x)) + <embed(y), phi(x)>``: a real/fake score
    plus the agreement of the features with the label's learned vector. With ``projection=False``
    a learned 28x28 map of the label joins the image as a second channel (the label-embedding
    expert of many conditional-GAN tutorials). The logit and the projection compute in float32.
    Inputs: images ``(batch, 28, 28, 1)``, labels ``(batch,)`` int32. Explained in chapter 08.
    """
    _check_positive(width=width)
    _check_labels_setup(num_classes)
    image = keras.Input(shape=(28, 28, 1), name="image")
    labels = keras.Input(shape=(), dtype="int32", name="labels")
    hidden = image
    if not projection:
        label_map = layers.Embedding(num_classes, 28 * 28, name="label_map")(labels)
        label_map = layers.Reshape((28, 28, 1))(label_map)
        hidden = layers.Concatenate()([image, label_map])
    features = _expert_features(hidden, width, dropout, spectral_normalization)
    logit = _dense(1, spectral_normalization, dtype="float32", name="logit")(features)
    if projection:
        class_vectors = layers.Embedding(num_classes, features.shape[-1], dtype="float32", name="projection")(labels)
        agreement = layers.Dot(axes=1, dtype="float32", name="agreement")([class_vectors, features])
        logit = layers.Add(dtype="float32", name="conditional_logit")([logit, agreement])
    return keras.Model([image, labels], logit, name=name)
