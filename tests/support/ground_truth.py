"""Where the public ground truth lives (../shared, absent in a user's clone) and the marks that skip without it."""
from __future__ import annotations

import pytest

from tests.support.cli import REPO

SHARED = REPO.parent / "shared"
OOS_TEMPLATES = SHARED / "oos-templates"
API_REFERENCE = SHARED / "api-reference"
PRODUCTS = API_REFERENCE / "openapi-meta" / "metadatas" / "products.json"

needs_shared = pytest.mark.skipif(
    not (OOS_TEMPLATES.exists() and API_REFERENCE.exists()),
    reason=f"{SHARED} is absent (a user's clone): these tests check essctl against Alibaba's public ground truth")
