"""Pictures: grids of forged digits, point clouds, histograms, and the GIF of progress.

Explained in chapter 00 (grids, scatter plots) and chapter 04 (the animation).
"""

from __future__ import annotations

import math
import pathlib

import matplotlib.pyplot as plt
import numpy as np


def image_grid(images, num_columns: int | None = None, padding: int = 2) -> np.ndarray:
    """Tile images ``(n, h, w)`` or ``(n, h, w, channels)`` with values in [-1, 1] into one image in [0, 1].

    Grayscale images (no channel axis, or one channel) give a 2-D array, colour ones
    ``(rows, columns, channels)``. Rows fill left to right, top to bottom; the padding between
    images (and any empty cell of the last row) is mid-grey (0.5), so black digit backgrounds
    stay apart. Chapter 00 draws the first grids; `ganlib.callbacks` tiles its frames with it.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or len(images) == 0:
        raise ValueError(
            f"expected grayscale images of shape (n, height, width[, 1]) or (n, height, width, channels); "
            f"got {images.shape}"
        )
    count, height, width, channels = images.shape
    num_columns = num_columns or math.ceil(math.sqrt(count))
    num_rows = math.ceil(count / num_columns)
    grid = np.full(
        (num_rows * (height + padding) + padding, num_columns * (width + padding) + padding, channels), 0.5, np.float32
    )
    for index, image in enumerate(np.clip((images + 1.0) / 2.0, 0.0, 1.0)):
        row, column = divmod(index, num_columns)
        top, left = padding + row * (height + padding), padding + column * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid[..., 0] if channels == 1 else grid


def show_images(images, num_columns: int | None = None, title: str | None = None, ax=None, size: float = 4.0):
    """Draw `image_grid(images)` on ``ax`` (a new figure if none) and return the axes (chapter 00)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(size, size))
    ax.imshow(image_grid(images, num_columns), cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def save_images(images, path, num_columns: int | None = None, title: str | None = None) -> pathlib.Path:
    """Save a grid of images as a PNG and return its path (the frames of `callbacks.SampleGrid`, chapter 04)."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, ax = plt.subplots(figsize=(4, 4 + (0.3 if title else 0)))
    show_images(images, num_columns, title=title, ax=ax)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    return path


def show_points(real=None, fake=None, ax=None, title: str | None = None, limit: float | None = None,
                xlabel: str = "first coordinate", ylabel: str = "second coordinate"):
    """Scatter 2-D real points (blue) and forged points (orange) on one axes, its axes labelled.

    The points are ``(n, 2)`` arrays: the two coordinates of the toy data sets (chapter 00).
    ``limit`` sets both axes to ``[-limit, limit]``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    if real is not None:
        real = np.asarray(real)
        ax.scatter(real[:, 0], real[:, 1], s=3, alpha=0.4, label="real", color="tab:blue")
    if fake is not None:
        fake = np.asarray(fake)
        ax.scatter(fake[:, 0], fake[:, 1], s=3, alpha=0.4, label="forged", color="tab:orange")
    if limit is not None:
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", markerscale=4)
    if title:
        ax.set_title(title)
    return ax


def show_histograms(real=None, fake=None, ax=None, bins=60, value_range=(-4, 4), title: str | None = None):
    """Overlay histograms (as densities) of 1-D real and forged samples (chapters 00 and 02)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    if real is not None:
        ax.hist(np.ravel(real), bins=bins, range=value_range, density=True, alpha=0.5, label="real")
    if fake is not None:
        ax.hist(np.ravel(fake), bins=bins, range=value_range, density=True, alpha=0.5, label="forged")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def save_gif(frames, path, seconds_per_frame: float = 0.4, num_columns: int | None = None) -> pathlib.Path:
    """Write a list of image batches (each as `image_grid` takes) as an animated GIF (chapter 04)."""
    from PIL import Image  # Pillow comes with matplotlib

    frames = list(frames)
    if not frames:
        raise ValueError("save_gif needs at least one frame; got none")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = []
    for frame in frames:
        grid = np.rint(image_grid(frame, num_columns) * 255).astype(np.uint8)
        picture = Image.fromarray(grid).resize((grid.shape[1] * 2, grid.shape[0] * 2), Image.NEAREST)
        pictures.append(picture)
    pictures[0].save(
        path, save_all=True, append_images=pictures[1:], duration=int(seconds_per_frame * 1000), loop=0
    )
    return path
