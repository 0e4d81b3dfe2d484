"""tests/fixtures/real_exports is a byte copy of ../shared/real-exports (the files providers and
other projects wrote), so that a clean clone tests on them without the shared folder. When the
shared folder is there, the copy must be complete and unedited."""

from __future__ import annotations

import hashlib

import pytest

from tests.helpers import REPO
from tests.real_exports import REAL

SHARED = REPO.parent / "shared" / "real-exports"


def _digests(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_fixture_copy_equals_the_shared_real_exports():
    if not SHARED.is_dir():
        pytest.skip("../shared/real-exports is not on this machine: the fixture copy stands alone")
    shared, copy = _digests(SHARED), _digests(REAL)
    # 12 files: 2 AWS CUR, 6 Azure cost details, 1 GCP, 1 OpenAI, 1 Anthropic, the README
    assert len(shared) >= 12
    assert copy == shared
