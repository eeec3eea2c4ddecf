"""The form definitions the engine validates deployments against and snapshots into versions."""
from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    from forms import load_definitions

    return load_definitions()
