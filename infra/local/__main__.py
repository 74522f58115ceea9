"""`python -m infra.local serve|demo`: the local stack from the command line."""

# ruff: noqa: E501 - the banner holds copy-paste shell commands

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from decimal import Decimal
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    from infra.local.stack import LocalStack

    stack = LocalStack(
        time_scale=Decimal(args.time_scale), auto_carrier_gap=args.auto_carrier, log_level=args.log_level
    )
    if args.webhook_secret:
        stack.webhook_secret = args.webhook_secret
    if args.ops_token:
        stack.ops_token = args.ops_token
    stack.portal_settings = {
        "PORTAL_VERIFY_EMAIL": "true" if args.verify_email else "false",
        "PORTAL_LOOKUPS_PER_CLIENT": str(args.lookups_per_client),
        "PORTAL_LOOKUPS_PER_ORDER": str(args.lookups_per_order),
    }
    stack.start(args.host, args.port)
    seeded = stack.seed() if args.seed else []
    info = {**stack.describe(), "seeded_orders": seeded}
    if args.ready_file:
        # Written whole then renamed, so a reader never sees a half-written file.
        ready = Path(args.ready_file)
        partial = ready.with_name(ready.name + ".partial")
        partial.write_text(json.dumps(info), encoding="utf-8")
        partial.replace(ready)
    if args.banner:
        _banner(stack.url, stack.ops_token, seeded)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    stopped.wait()
    stack.stop()
    return 0


def _banner(url: str, ops_token: str, seeded: list[str]) -> None:
    from infra.local.demo_data import email_for

    first = seeded[0] if seeded else "DEMO-1001"
    logins = "\n".join(f"    {number:<12} {email_for(number)}" for number in seeded)
    print(
        f"""
Returns platform running locally (moto executing statemachines/returns.asl.json)

  Portal         {url}/portal/        (a shopper's returns, in 7 languages: add ?lang=de, ja, zh-Hant...)
  Dashboard      {url}/dashboard/#token={ops_token}   (ops: returns, review, inspection, alerts, charts)
  Outbox         {url}/outbox         (every email a shopper would receive)
  API            {url}                (OpenAPI: {url}/openapi.json)
  Health         {url}/health
  Ops token      {ops_token}   (send as: Authorization: Bearer <token>)
  Demo orders (order number, email) to try in the portal:
{logins}

Start a return:
  curl -s -X POST {url}/returns -H 'content-type: application/json' \\
    -d '{{"order_number":"{first}","email":"{email_for(first)}","items":[{{"line_id":"1","quantity":1,"reason":"DOES_NOT_FIT"}}]}}'
Follow it:        curl -s {url}/returns/<return_id>
Ops view:         curl -s -H 'Authorization: Bearer {ops_token}' {url}/ops/returns/<return_id>
Inspect it:       curl -s -X POST -H 'Authorization: Bearer {ops_token}' -H 'content-type: application/json' \\
                    {url}/ops/returns/<return_id>/inspection \\
                    -d '{{"inspector":"you","items":[{{"line_id":"1","accepted_quantity":1,"grade":"A","disposition":"RESTOCK"}}]}}'

The sandbox carrier moves every label by itself (signed scan webhooks); Ctrl-C stops everything.
""",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.local")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the local stack until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--time-scale", default="0.0000066")
    serve.add_argument("--auto-carrier", type=float, default=None, metavar="GAP_SECONDS")
    serve.add_argument("--seed", action="store_true")
    serve.add_argument("--banner", action="store_true")
    serve.add_argument("--webhook-secret", default=None)
    serve.add_argument("--ops-token", default=None)
    serve.add_argument("--ready-file", default=None)
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    serve.add_argument("--verify-email", action="store_true", help="email a one-time code before showing an order")
    serve.add_argument("--lookups-per-client", type=int, default=30, help="portal lookups per client per 15 min")
    serve.add_argument("--lookups-per-order", type=int, default=10, help="portal lookups per order number per 15 min")
    demo = sub.add_parser("demo", help="drive demo returns through every stage and check where they end")
    demo.add_argument(
        "--serve",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep the stack up afterwards for the dashboard (default: when run in a terminal)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.command == "serve":
        return _serve(args)
    from infra.local.demo import run_demo

    serve_after = sys.stdout.isatty() if args.serve is None else args.serve
    return run_demo(serve_after=serve_after)


if __name__ == "__main__":
    sys.exit(main())
