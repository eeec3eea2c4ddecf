"""The form definitions the engine validates deployments against and snapshots into versions."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from forms import load_definitions


@lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    return load_definitions()
