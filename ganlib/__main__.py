"""``python -m ganlib``: see `ganlib.cli`."""

import sys

from ganlib.cli import main

sys.exit(main())
