"""Commands that register on the main app: refresh, new, demo, report."""
from __future__ import annotations
