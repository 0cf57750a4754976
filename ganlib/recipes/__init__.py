"""The course's training recipes: tested settings for each game the chapters play.

- `ganlib.recipes.digits` (chapter 04): the DCGAN that draws digits on a laptop CPU,
  `cluster_digits` (its self-conditioning's groups), `train_digits`, and `export_generator` to share the forger.
- `ganlib.recipes.conditional` (chapter 08): the same game told which digit to paint,
  `train_conditional_digits`, `commissioned_digits` and `commission_agreement`.
- `ganlib.recipes.toy` (chapters 05-06): the named recipes of the 2-D benchmarks, `train_toy`.

Every name is available here, as ``from ganlib import recipes; recipes.train_toy(...)``.
The players' arithmetic precision is `ganlib.runtime`'s (``resolve_precision``, ``dtype_policy``).
"""

from ganlib.recipes.conditional import (
    CONDITIONAL_DIGITS_RECIPE,
    commission_agreement,
    commissioned_digits,
    conditional_digits_gan,
    train_conditional_digits,
)
from ganlib.recipes.digits import DIGITS_RECIPE, cluster_digits, digits_gan, export_generator, train_digits
from ganlib.recipes.toy import (
    BEST_TOY_RECIPE,
    LEARNING_RATE_DECAYS,
    TOY_DEFAULTS,
    TOY_RECIPES,
    learning_rate,
    sample_toy,
    toy_gan,
    toy_settings,
    train_toy,
)

__all__ = [
    "BEST_TOY_RECIPE",
    "CONDITIONAL_DIGITS_RECIPE",
    "DIGITS_RECIPE",
    "LEARNING_RATE_DECAYS",
    "TOY_DEFAULTS",
    "TOY_RECIPES",
    "cluster_digits",
    "commission_agreement",
    "commissioned_digits",
    "conditional_digits_gan",
    "digits_gan",
    "export_generator",
    "learning_rate",
    "sample_toy",
    "toy_gan",
    "toy_settings",
    "train_conditional_digits",
    "train_digits",
    "train_toy",
]
