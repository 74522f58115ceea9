"""What every function imports before any code of its own: the cold-start floor.

Timed by `bench.cold_start` beside the functions. Each handler logs, traces and emits metrics through
Powertools (with the X-Ray SDK patching botocore and PynamoDB), validates its input with pydantic,
reads DynamoDB through PynamoDB and reads its settings; no handler can start faster than this does.
"""

import pydantic.main  # noqa: F401
import pynamodb.models  # noqa: F401

import returns_core.observability
import returns_core.settings  # noqa: F401
