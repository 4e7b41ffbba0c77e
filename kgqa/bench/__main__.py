"""``python -m kgqa.bench SUITE ...``."""

from __future__ import annotations

import sys

from kgqa.bench.cli import main

if __name__ == "__main__":
    sys.exit(main())
