"""Third parties and experts: conflicts of interest and the order firms are offered in."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

TIERS = ("A", "B", "C", "D")


def has_conflict(conflict_orgs: Iterable[str] | None, org_code: str) -> bool:
    """A department on the list covers its units (D02 ⇒ D02-U01) and a unit its department's panels."""
    return any(c == org_code or org_code.startswith(c + "-") or c.startswith(org_code + "-")
               for c in conflict_orgs or [])


class Firm(Protocol):
    id: Any
    tier: str
    code: str


F = TypeVar("F", bound=Firm)


def rank_firms(firms: Sequence[F], load: Mapping[Any, int]) -> list[F]:
    """Best tier first, then the least loaded (open engagements), then by code."""
    return sorted(firms, key=lambda f: (TIERS.index(f.tier), load.get(f.id, 0), f.code))
