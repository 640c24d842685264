"""Where the shared training corpora live: `../shared` beside the checkout, or KGBUILD_SHARED."""

from __future__ import annotations

import os
from pathlib import Path

SHARED = Path(os.environ.get("KGBUILD_SHARED") or Path(__file__).resolve().parents[4] / "shared")
