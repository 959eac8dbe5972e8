"""Delivery integration fixtures: the fault LRS, and a store with a destination on it."""

from __future__ import annotations

import sys
from pathlib import Path

# The statement factory is shared with the unit tier.
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "delivery"))

from support.fault_lrs import fault_lrs  # noqa: F401  (registers the fixture)
