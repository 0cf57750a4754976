"""Train the small digit classifier that judges forgeries, and save it in ``data/``.

    python scripts/train_digit_classifier.py            # writes data/digit_classifier.keras

Trained on the 4,000 training digits of the bundled subset (``ganlib.data.load_digits``),
with small random shifts, seeded, in about a minute on a 2-core CPU. It reports its accuracy
on the 1,000 held-out digits; ``data/README.md`` records the figure. Its 128-unit layer
``features`` gives the features for Fréchet distance and precision/recall (chapter 07).
"""

from __future__ import annotations

import argparse
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers  # noqa: E402

from ganlib import data, runtime  # noqa: E402

OUTPUT = data.DATA_DIR / "digit_classifier.keras"


def build_classifier() -> keras.Model:
    images = keras.Input(shape=(28, 28, 1), name="image")
    hidden = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=-1.0)(images)
    hidden = layers.Conv2D(32, 3, padding="same", activation="relu")(hidden)
    hidden = layers.MaxPooling2D()(hidden)
    hidden = layers.Conv2D(64, 3, padding="same", activation="relu")(hidden)
    hidden = layers.MaxPooling2D()(hidden)
    hidden = layers.Flatten()(hidden)
    hidden = layers.Dropout(0.3)(hidden)
    features = layers.Dense(128, activation="relu", name="features")(hidden)
    probabilities = layers.Dense(10, activation="softmax", name="probabilities")(features)
    return keras.Model(images, probabilities, name="digit_classifier")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUTPUT)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    runtime.set_seed(arguments.seed)
    train_images, train_labels = data.load_digits(split="train")
    test_images, test_labels = data.load_digits(split="test")
    x_train, x_test = data.scale_images(train_images), data.scale_images(test_images)
    model = build_classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, train_labels, batch_size=64, epochs=arguments.epochs, verbose=2, shuffle=True)
    _, accuracy = model.evaluate(x_test, test_labels, verbose=0)
    predictions = np.argmax(model.predict(x_test, verbose=0), axis=1)
    per_digit = [float(np.mean(predictions[test_labels == d] == d)) for d in range(10)]
    # save the network alone (no optimizer state): a third of the size
    keras.Model(model.inputs, model.outputs, name="digit_classifier").save(arguments.out)
    print(f"held-out accuracy on {len(x_test)} digits: {accuracy:.4f}")
    print("per digit:", " ".join(f"{d}:{a:.2f}" for d, a in enumerate(per_digit)))
    print(f"wrote {arguments.out} ({arguments.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
