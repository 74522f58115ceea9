"""Every patch this project applies to moto's internals, in one place.

moto (pinned to 5.2.5 in pyproject.toml) executes our real ASL definitions locally, but it has gaps and
defects that make a local run diverge from AWS (numbered as in the local-engine notes). Each function
below closes one of them by replacing a single internal attribute. The patch points are private moto
classes, so:

* moto is pinned exactly, and every patch has a test in tests/integration/test_moto_patches.py that
  fails when moto's own behaviour changes (a fixed upstream bug means the patch must go);
* every patch is idempotent (applying twice never wraps twice) and undone by :func:`restore_all`.

Public API: :func:`install_lambda_invoker`, :func:`fix_early_callback`, :func:`fix_send_task_failure_cause`,
:func:`set_time_scale`, :func:`apply_all`, :func:`restore_all`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
import types
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from moto.awslambda.exceptions import LambdaClientError, UnknownFunctionException
from moto.awslambda.utils import make_function_arn
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.responses import EmptyResult
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, HeartbeatEndpoint
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

__all__ = [
    "LambdaHandler",
    "apply_all",
    "fix_early_callback",
    "fix_send_task_failure_cause",
    "install_lambda_invoker",
    "restore_all",
    "set_time_scale",
]

LOG = logging.getLogger(__name__)

LambdaHandler = Callable[[dict[str, Any], Any], Any]
FunctionResolver = Callable[[str], LambdaHandler | None]

# Lambda's hard maximum: handlers that budget work on get_remaining_time_in_millis() never see a deadline
# shorter than any real deployment could give them.
_CONTEXT_TIMEOUT_SECONDS: Final = 900
_CONTEXT_MEMORY_MB: Final = 512

# ---------------------------------------------------------------------------------------------------------
# Patch registry: (owner, attribute) -> what was there before we patched. Recording the owner's own
# __dict__ entry (not getattr) lets restore_all() remove an attribute we added on a subclass instead of
# pinning the inherited one onto it.
# ---------------------------------------------------------------------------------------------------------

_MISSING: Final = object()
_originals: dict[tuple[object, str], object] = {}
_lock = threading.RLock()


def _own_attribute(owner: object, attr: str) -> object:
    if isinstance(owner, type | types.ModuleType):
        return vars(owner).get(attr, _MISSING)
    return getattr(owner, attr, _MISSING)


def _patch(owner: object, attr: str, replacement: object) -> None:
    """Install ``replacement`` once; a second call for the same point is a no-op (no double wrapping)."""
    with _lock:
        key = (owner, attr)
        if key in _originals:
            return
        _originals[key] = _own_attribute(owner, attr)
        setattr(owner, attr, replacement)


def _unpatch(owner: object, attr: str) -> None:
    with _lock:
        key = (owner, attr)
        if key not in _originals:
            return
        original = _originals.pop(key)
        if original is _MISSING:
            delattr(owner, attr)
        else:
            setattr(owner, attr, original)


def restore_all() -> None:
    """Undo every patch, e.g. so a test can show a defect on unpatched moto."""
    global _resolver, _time_scale
    with _lock:
        for owner, attr in list(_originals):
            _unpatch(owner, attr)
        _resolver = None
        _time_scale = 1.0


# ---------------------------------------------------------------------------------------------------------
# Lambda invoker: moto's Docker-free Lambda (used when config {"lambda": {"use_docker": False}}) only echoes
# the payload. We answer invokes by calling our Python handlers in-process instead.
# ---------------------------------------------------------------------------------------------------------

_resolver: FunctionResolver | None = None


class LambdaContext:
    """The subset of the Lambda context object our handlers and Powertools read."""

    def __init__(self, function_name: str, invoked_function_arn: str, region: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = _CONTEXT_MEMORY_MB
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self.region = region
        self._deadline = time.monotonic() + _CONTEXT_TIMEOUT_SECONDS

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _split_function_name(function_name: str) -> tuple[str, str | None]:
    """Split every form Lambda accepts for FunctionName into (bare name, qualifier or None).

    ``name``, ``name:alias``, ``123456789012:function:name[:qualifier]`` and
    ``arn:aws:lambda:region:account:function:name[:qualifier]`` all yield ``name``.
    """
    parts = function_name.split(":")
    start = parts.index("function") + 1 if "function" in parts[:-1] else 0
    rest = parts[start + 1 :]
    return parts[start], (rest[0] if rest else None)


def _header(headers: Any, name: str) -> str | None:
    # moto hands over botocore's or werkzeug's header mapping depending on mock vs server mode, and reads
    # it with different spellings itself; look the header up case-insensitively.
    if not isinstance(headers, Mapping) and not hasattr(headers, "items"):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)
    return None


def _function_error(response_headers: Any, error_type: str, message: str, stack: list[str]) -> bytes:
    # The shape of an unhandled Python exception in real Lambda: Step Functions reads "errorType" to match
    # Retry/Catch ErrorEquals, so it must be the bare exception class name.
    response_headers["x-amz-function-error"] = "Unhandled"
    body = {"errorType": error_type, "errorMessage": message, "stackTrace": stack}
    return json.dumps(body).encode("utf-8")


def _invoke(
    self: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes:
    """Replacement for ``LambdaSimpleBackend.invoke``; moto's response layer expects bytes (or str) back."""
    name, name_qualifier = _split_function_name(function_name)
    qualifier = qualifier or name_qualifier
    # The ARN Lambda reports as invoked_function_arn: the caller's own ARN, qualifier included.
    arn = (
        function_name
        if function_name.startswith("arn:")
        else make_function_arn(self.region_name, self.account_id, name)
    )
    if qualifier and not arn.endswith(f":{qualifier}"):
        arn = f"{arn}:{qualifier}"

    resolver = _resolver
    handler = resolver(name) if resolver is not None else None
    if handler is None:
        # moto's response layer turns this into a 404 ResourceNotFoundException, as Lambda answers.
        raise UnknownFunctionException(arn)

    raw = body.decode("utf-8") if isinstance(body, bytes | bytearray) else (body or "")
    try:
        event = json.loads(raw) if raw.strip() else {}
    except json.JSONDecodeError as exc:
        raise LambdaClientError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}"
        ) from exc

    invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type == "DryRun":
        return b""

    context = LambdaContext(function_name=name, invoked_function_arn=arn, region=self.region_name)
    try:
        result = handler(event, context)
    except Exception as exc:
        LOG.debug("Local Lambda %s raised %s", name, type(exc).__name__, exc_info=True)
        if invocation_type == "Event":
            # Async invokes always answer 202; the error only shows in the function's logs.
            return b""
        stack = traceback.format_tb(exc.__traceback__)
        return _function_error(response_headers, type(exc).__name__, str(exc), stack)

    if invocation_type == "Event":
        return b""
    try:
        return json.dumps(result).encode("utf-8")
    except (TypeError, ValueError) as exc:
        return _function_error(response_headers, "Runtime.MarshalError", f"Unable to marshal response: {exc}", [])


def install_lambda_invoker(resolve: FunctionResolver) -> None:
    """Route Docker-free Lambda invokes to in-process Python handlers.

    ``resolve`` maps a bare function name to its handler (or None: the invoke fails with
    ResourceNotFoundException). Calling again only swaps the resolver.
    """
    global _resolver
    with _lock:
        _resolver = resolve
        _patch(LambdaSimpleBackend, "invoke", _invoke)


# ---------------------------------------------------------------------------------------------------------
# Defect 1: a SendTaskSuccess/Failure that arrives before the heartbeat endpoint exists (our in-process
# Lambda calls back before it returns) only sets the outcome; the heartbeat wait then never wakes and the
# task fails with a timeout after HeartbeatSeconds.
# ---------------------------------------------------------------------------------------------------------


# Captured at import rather than looked up in the registry: an execution thread may still be inside the
# wrapper while restore_all() runs.
_original_setup_heartbeat_endpoint: Final = CallbackEndpoint.setup_heartbeat_endpoint


def _setup_heartbeat_endpoint(self: CallbackEndpoint, heartbeat_seconds: int) -> HeartbeatEndpoint:
    endpoint: HeartbeatEndpoint = _original_setup_heartbeat_endpoint(self, heartbeat_seconds)
    if self.get_outcome() is not None:
        # The callback already came in: wake the heartbeat wait so it reads the outcome at once. A callback
        # racing with this line notifies too, which is harmless (the event is just set twice).
        endpoint.notify()
    return endpoint


def fix_early_callback() -> None:
    """Make a task-token callback that arrives before the heartbeat wait starts count (defect 1)."""
    _patch(CallbackEndpoint, "setup_heartbeat_endpoint", _setup_heartbeat_endpoint)


# ---------------------------------------------------------------------------------------------------------
# Defect 2: StepFunctionResponse.send_task_failure reads "error" but never passes "cause" to the backend.
# ---------------------------------------------------------------------------------------------------------


def _send_task_failure(self: StepFunctionResponse) -> EmptyResult:
    task_token = self._get_param("taskToken")
    error = self._get_param("error")
    cause = self._get_param("cause")
    backend = self.stepfunction_backend
    if isinstance(backend, StepFunctionsParserBackend):
        backend.send_task_failure(task_token, error=error, cause=cause)
    else:
        # Without execute_state_machine, moto's plain backend takes no cause (and ignores the call anyway).
        backend.send_task_failure(task_token, error=error)
    return EmptyResult()


def fix_send_task_failure_cause() -> None:
    """Pass SendTaskFailure's ``cause`` through to the execution (defect 2)."""
    _patch(StepFunctionResponse, "send_task_failure", _send_task_failure)


# ---------------------------------------------------------------------------------------------------------
# Defect 7: Wait states and Retry intervals really sleep. Scale both so tests and demos run fast while the
# definitions keep their production values. TimeoutSeconds and HeartbeatSeconds are deliberately NOT scaled.
# ---------------------------------------------------------------------------------------------------------

_time_scale: float = 1.0


def _scaled_wait_interval(self: WaitFunction, env: Environment, wait_seconds: int) -> None:
    # moto's own loop re-waits `wait_seconds - int(elapsed)` after any wake-up, which never converges for
    # sub-second waits; track a monotonic deadline instead. program_state_event is pulsed when the
    # execution ends, fails or is stopped, so those still interrupt the wait.
    deadline = time.monotonic() + max(0.0, wait_seconds * _time_scale)
    while env.is_running():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        env.program_state_event.wait(remaining)


class _ScaledTime(types.ModuleType):
    """Stands in for the ``time`` module inside retrier_decl, whose only use of it is ``time.sleep``."""

    def __init__(self) -> None:
        super().__init__("time")

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(max(0.0, seconds * _time_scale))


def set_time_scale(factor: float) -> None:
    """Make Wait states and Retry intervals sleep ``seconds * factor`` (1.0 restores moto's real sleeps)."""
    global _time_scale
    if factor < 0:
        raise ValueError(f"time scale must be >= 0, got {factor}")
    with _lock:
        _time_scale = float(factor)
        if factor == 1.0:
            _unpatch(WaitFunction, "_wait_interval")
            _unpatch(retrier_decl, "time")
            return
        _patch(WaitFunction, "_wait_interval", _scaled_wait_interval)
        _patch(retrier_decl, "time", _ScaledTime())


# ---------------------------------------------------------------------------------------------------------


def apply_all(resolve: FunctionResolver, time_scale: float = 1.0) -> None:
    """Apply every patch; safe to call repeatedly (later calls update the resolver and the time scale)."""
    install_lambda_invoker(resolve)
    fix_early_callback()
    fix_send_task_failure_cause()
    set_time_scale(time_scale)
