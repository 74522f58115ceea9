"""One construct per concern; `infra.stack.ReturnsStack` composes them.

Every construct reads `infra.catalogue`, the one list of functions, routes, event rules and tables
shared with the local stack, so the deployed shape and the local one cannot drift.
"""

from infra.constructs.api import Api
from infra.constructs.events import Events
from infra.constructs.functions import Functions
from infra.constructs.monitoring import Monitoring
from infra.constructs.naming import pascal_id
from infra.constructs.portal import Portal
from infra.constructs.storage import Storage
from infra.constructs.workflow import Workflow, WorkflowIdentity

__all__ = [
    "Api",
    "Events",
    "Functions",
    "Monitoring",
    "Portal",
    "Storage",
    "Workflow",
    "WorkflowIdentity",
    "pascal_id",
]
