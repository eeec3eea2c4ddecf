"""Figures of ../shared/domain/sample-data.md shared by the model tests and the engine tests."""
from __future__ import annotations

# §8.5 FY2026 intake: dimension scores 必要性/经济性/目标/可行性/筹资 ("/2" = revision round 2)
SCORES = {
    "P-D02-001": (22, 15, 16, 16, 13),
    "P-D03-001": (21, 17, 16, 17, 13),
    "P-D01-001": (22, 17, 17, 16, 13),
    "P-D05-001": (19, 15, 14, 16, 12),
    "P-D05-001/2": (20, 16, 16, 16, 13),
    "P-D05-002": (20, 16, 16, 16, 12),
    "P-D11-001": (13, 12, 11, 12, 10),
    "P-D04-002": (17, 14, 15, 16, 12),
    "P-D10-001": (18, 12, 14, 15, 12),
}
