"""Where the tests find the repository, its own test data and the real data beside it."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
GSE4335 = SHARED / "data" / "local-cohorts" / "GSE4335"
MSIGDB = SHARED / "data" / "msigdb"
TEST_DATA = REPO / "tests" / "data"
