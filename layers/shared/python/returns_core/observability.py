"""The one place that owns the logger, tracer and metrics.

Log lines carry return ids, order numbers and statuses — never emails, names or addresses.
`redact` is the guard for anything that might hold them.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "returns"

logger = Logger(service=SERVICE)
# What X-Ray traces: the AWS calls (botocore, and PynamoDB's on top of it), what `patch_all` patched in
# the layer. Named rather than `patch_all`, which imports every library X-Ray can patch that is installed
# (sqlite3 always, requests wherever it is) at cold start, to patch calls no function makes.
TRACED_LIBRARIES = ("botocore", "pynamodb")
tracer = Tracer(service=SERVICE, patch_modules=TRACED_LIBRARIES)
metrics = Metrics(namespace="Returns", service=SERVICE)

_EMAIL = re.compile(r"[^@\s\"']+@[^@\s\"']+\.[^@\s\"']+")
_PERSONAL_KEYS = frozenset({"email", "shopper_name", "name", "address", "phone", "street", "to"})


def redact(value: Any) -> Any:
    """A copy of `value` with personal fields and anything shaped like an email removed."""
    if isinstance(value, dict):
        return {k: ("[redacted]" if str(k).lower() in _PERSONAL_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _EMAIL.sub("[email]", value)
    return value
