"""Region ids: the shape every Alibaba Cloud region id has (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1,
cn-north-2-gov-1; shared/api-reference/openapi-meta/metadatas). A value of another shape is never a region, and
never becomes part of a path."""
from __future__ import annotations

import re

REGION_ID = re.compile(r"[a-z]{2,8}(?:-[a-z0-9]{1,32}){1,5}")
REGION_RULE = "a region id such as cn-hangzhou (lower-case letters and digits joined by -)"
