"""The 示例市 demo data with the FY2025 monitoring series of sample-data §8.6 (months 1–9)."""
from __future__ import annotations

import pytest

from budget.demo import load_demo
from engine.base.db import db as _db
from tests.factories import PASSWORD
from tests.monitoring_series import write_series


@pytest.fixture()
def year_2025(db):
    load_demo(PASSWORD)
    written = write_series()
    _db.session.commit()
    return written
