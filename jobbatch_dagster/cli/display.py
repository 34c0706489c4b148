"""How values look in human output, the same in every command: a missing value prints as NULL.

JSON output keeps ``null`` and CSV an empty field, as those formats mean them.
"""

from __future__ import annotations

import math
from typing import Any, Final

NULL_TEXT: Final = "NULL"


def shown(value: Any) -> str:
    """``value`` as a table cell: NULL for None and for pandas' NaN/NaT/NA alike."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NULL_TEXT
    return str(value)
