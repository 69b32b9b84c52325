"""``python -m benchmark``: the longdep command line."""

import sys

from benchmark.cli import main

sys.exit(main())
