"""Every patch this project applies to moto's internals, in one place.

moto (pinned to 5.2.5 in pyproject.toml) executes our real ASL definitions locally, but it has gaps and
defects that make a local run diverge from AWS (numbered as in the local-engine notes). Each function
below closes one of them by replacing a single internal attribute. The patch points are private moto
classes, so:

* moto is pinned exactly, and every patch has a test in tests/integration/test_moto_patches.py that
  fails when moto's own behaviour changes (a fixed upstream bug means the patch must go);
* every patch is idempotent (applying twice never wraps twice) and undone by :func:`restore_all`.

Public API: :func:`install_lambda_invoker`, :func:`fix_early_callback`, :func:`fix_send_task_failure_cause`,
:func:`set_time_scale`, :func:`reuse_clients_and_parsed_definitions`, :func:`apply_all`, :func:`restore_all`;
and, for benchmarks only (not applied by :func:`apply_all`), :func:`bound_queries_to_their_partition` /
:func:`queries_bounded_to_their_partition`.
"""

from __future__ import annotations

import inspect
import json
import logging
import sys
import threading
import time
import traceback
import types
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

from moto.awslambda.exceptions import LambdaClientError, UnknownFunctionException
from moto.awslambda.utils import make_function_arn
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.responses import EmptyResult
from moto.dynamodb.comparisons import get_comparison_func
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.component import Component
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, HeartbeatEndpoint
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

__all__ = [
    "LambdaHandler",
    "apply_all",
    "bound_queries_to_their_partition",
    "fix_early_callback",
    "fix_send_task_failure_cause",
    "install_lambda_invoker",
    "queries_bounded_to_their_partition",
    "restore_all",
    "reuse_clients_and_parsed_definitions",
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
        with _reused_lock:
            _reused_clients.clear()
        with _parsing_lock:
            _parsed_programs.clear()


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
# Query cost (a benchmark's concern, not a correctness one, so not in apply_all): DynamoDB reads a query's
# items from its key range alone, from its start key, up to its limit; moto's Table.query starts from
# Table.all_items(), every item of the table sorted by key with DynamoType comparisons (a Decimal or
# string cast per comparison), then walks the queried partition. Timing a request that queries a few rows
# of a large table then times moto sorting the table. Within one call, all_items() is narrowed to what
# DynamoDB reads: the partition's items in the key range (for an index, the items with the index's
# partition key value, found by one look at each item, not by sorting the table), after the start key, one
# past the limit.
# moto's own query code then runs on those as ever and answers the same items in the same pages; a last
# evaluated key only when more items of the key range follow (DynamoDB also gives one when a page ends
# exactly at the limit).
# ---------------------------------------------------------------------------------------------------------


def _what_is_read(items: list[Any], call: Mapping[str, Any], key_names: Sequence[str]) -> list[Any]:
    """Of the items a query can match, those it reads, in key order: after its start key in its direction,
    up to one past its limit (which tells moto more follow)."""

    def key_of(item: Any) -> tuple[Any, ...]:
        return tuple(_plain(item.attrs[name]) for name in key_names)

    ordered = sorted(items, key=key_of)
    forward = call.get("scan_index_forward") is not False
    if not forward:
        ordered.reverse()
    start = call.get("exclusive_start_key")
    if start:
        position = tuple(_plain(DynamoType(start[name])) for name in key_names)
        ordered = [item for item in ordered if (key_of(item) > position if forward else key_of(item) < position)]
    limit = call.get("limit")
    read = ordered[: limit + 1] if limit is not None else ordered
    return read if forward else read[::-1]


def _plain(value: DynamoType) -> Any:
    """What moto compares a key by (`cast_value`), without its type checks for a string."""
    return value.value if value.type == "S" else value.cast_value


def _in_range(items: Iterable[Any], attribute: str, comparison: str | None, values: Sequence[DynamoType]) -> list[Any]:
    """The items whose `attribute` meets the key condition, compared as moto's `DynamoType.compare` does."""
    if not comparison:
        return list(items)
    test, wanted = get_comparison_func(comparison), [_plain(value) for value in values]
    return [item for item in items if test(_plain(item.attrs[attribute]), *wanted)]


def _query_candidates(table: Table, call: Mapping[str, Any]) -> list[Any] | None:
    """The items a query reads, or None when not narrowed (moto then walks the table itself)."""
    if not table.range_key_attr or call.get("filter_kwargs"):
        return None
    try:
        return _narrowed(table, call)
    except (KeyError, TypeError):  # a key missing or of mixed types: moto's own code decides
        return None


def _narrowed(table: Table, call: Mapping[str, Any]) -> list[Any] | None:
    if table.range_key_attr is None:
        return None
    keys = [table.hash_key_attr, table.range_key_attr]
    index_name, hash_key = call.get("index_name"), call.get("hash_key")
    comparison, values = call.get("range_comparison"), call.get("range_objs") or []
    if index_name is None:
        if hash_key is None:
            return None
        partition = table.items.get(hash_key, {})
        return _what_is_read(_in_range(partition.values(), table.range_key_attr, comparison, values), call, keys)
    conditions = call.get("hash_key_conditions")
    index = next((index for index in table.all_indexes() if index.name == index_name), None)
    if not conditions or len(conditions) != 1 or index is None:
        return None
    [(name, wanted)] = conditions
    ranges = [key["AttributeName"] for key in index.schema if key["KeyType"] == "RANGE"]
    if wanted.is_number() or len(ranges) != 1:
        return None
    found = [
        item
        for partition in table.items.values()
        for item in partition.values()
        if (value := item.attrs.get(name)) is not None
        and value.value == wanted.value
        and value.type == wanted.type
        and ranges[0] in item.attrs  # moto leaves out items without the index's sort key too
    ]
    return _what_is_read(_in_range(found, ranges[0], comparison, values), call, [name, ranges[0], *keys])


def _bounded_query(original: Callable[..., Any]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        candidates = _query_candidates(self, signature.bind(self, *args, **kwargs).arguments)
        if candidates is None:
            return original(self, *args, **kwargs)
        with _lock:  # the narrowed all_items() is this call's alone
            vars(self)["all_items"] = lambda: candidates
            try:
                return original(self, *args, **kwargs)
            finally:
                del vars(self)["all_items"]

    return query


def bound_queries_to_their_partition() -> None:
    """Make moto's DynamoDB queries cost what DynamoDB reads for them, not the whole table (same answers)."""
    _patch(Table, "query", _bounded_query(Table.query))


@contextmanager
def queries_bounded_to_their_partition() -> Iterator[None]:
    """`bound_queries_to_their_partition` for the duration (left in place if it was there before)."""
    already = (Table, "query") in _originals
    bound_queries_to_their_partition()
    try:
        yield
    finally:
        if not already:
            _unpatch(Table, "query")


# ---------------------------------------------------------------------------------------------------------
# Speed, not a defect: moto's interpreter builds a new boto3 client for every Lambda task it runs and parses
# the ASL definition afresh (ANTLR, ~0.2 s for ours) for every execution. Together that was a tenth of the
# local stack's CPU per return. Clients are thread-safe and depend only on where they point; a parsed
# program holds no per-execution state (that lives in each execution's Environment) once every component
# has the heap key it draws lazily, so one parse serves every execution of a definition.
# ---------------------------------------------------------------------------------------------------------

_original_boto_client_for: Final = boto_client.boto_client_for
_reused_lock = threading.Lock()
_parsing_lock = threading.Lock()
_reused_clients: dict[tuple[str, str, bool, int], Any] = {}
_parsed_programs: OrderedDict[str, Any] = OrderedDict()
_PARSED_PROGRAMS_KEPT: Final = 16


def _reused_boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port

    # The same inputs moto builds its client from (it ignores the credentials too).
    key = (region, service, bool(botocore_stubber.enabled), int(moto_server_port()))
    with _reused_lock:
        client = _reused_clients.get(key)
        if client is None:
            client = _reused_clients[key] = _original_boto_client_for(region, service, state_credentials)
    return client


def _draw_heap_keys(program: Any) -> None:
    """Give every component its heap key now, before executions share it (two drawing one at once differ)."""
    seen: set[int] = set()
    pending = [program]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            _ = node.heap_key
        if isinstance(node, list | tuple | set | frozenset):
            pending.extend(node)
        elif isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, Component):
            pending.extend(vars(node).values())


def _parsed_once(self: ExecutionWorker) -> Any:
    definition = self._evaluation_details.state_machine_details.definition
    # Parsing under the lock: executions started together wait for the one parse instead of each doing it.
    with _parsing_lock:
        program = _parsed_programs.get(definition)
        if program is None:
            program = AmazonStateLanguageParser.parse(definition)[0]
            _draw_heap_keys(program)
            _parsed_programs[definition] = program
            while len(_parsed_programs) > _PARSED_PROGRAMS_KEPT:
                _parsed_programs.popitem(last=False)
        _parsed_programs.move_to_end(definition)
        return program


def reuse_clients_and_parsed_definitions() -> None:
    """One boto3 client per service for moto's tasks, one parse per state machine definition."""
    for module in list(sys.modules.values()):
        in_interpreter = module is not None and module.__name__.startswith("moto.stepfunctions.parser")
        if in_interpreter and vars(module).get("boto_client_for") is _original_boto_client_for:
            _patch(module, "boto_client_for", _reused_boto_client_for)
    _patch(ExecutionWorker, "_get_evaluation_entrypoint", _parsed_once)


# ---------------------------------------------------------------------------------------------------------


def apply_all(resolve: FunctionResolver, time_scale: float = 1.0) -> None:
    """Apply every patch; safe to call repeatedly (later calls update the resolver and the time scale)."""
    install_lambda_invoker(resolve)
    fix_early_callback()
    fix_send_task_failure_cause()
    set_time_scale(time_scale)
    reuse_clients_and_parsed_definitions()
