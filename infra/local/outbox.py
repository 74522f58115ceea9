"""The local outbox: the emails moto's SES captured, as a page (`/outbox`) and as JSON (`/outbox.json`).

Locally no email leaves the machine; this is where a person reads what a shopper would receive,
codes and links included, and downloads the attached PDFs.
"""

from __future__ import annotations

import email
import html
import json
from email.message import Message
from typing import Any

from infra.local import environment as env


def _messages() -> list[tuple[str, Message]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    backend = ses_backends[DEFAULT_ACCOUNT_ID][env.REGION]
    found = []
    for sent in backend.sent_messages:
        raw = getattr(sent, "raw_data", None)
        if raw is not None:
            found.append((str(sent.id), email.message_from_string(raw)))
    return found


def _text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8")
    return ""


def _decoded(value: str | None) -> str:
    if value is None:
        return ""
    return str(email.header.make_header(email.header.decode_header(value)))


def listing() -> list[dict[str, Any]]:
    return [
        {
            "id": message_id,
            "to": _decoded(message["To"]),
            "subject": _decoded(message["Subject"]),
            "text": _text(message),
            "attachments": [part.get_filename() for part in message.walk() if part.get_filename()],
        }
        for message_id, message in reversed(_messages())
    ]


def attachment(message_id: str, filename: str) -> tuple[str, bytes] | None:
    for found_id, message in _messages():
        if found_id != message_id:
            continue
        for part in message.walk():
            if part.get_filename() == filename:
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return part.get_content_type(), payload
    return None


def page() -> bytes:
    rows = []
    for mail in listing():
        links = " ".join(
            f'<a href="/outbox/{html.escape(mail["id"])}/{html.escape(name)}">{html.escape(name)}</a>'
            for name in mail["attachments"]
        )
        rows.append(
            f"<article><h2>{html.escape(mail['subject'])}</h2><p>To: {html.escape(mail['to'])}</p>"
            f"<pre>{html.escape(mail['text'])}</pre><p>{links}</p></article>"
        )
    body = "".join(rows) or "<p>No emails yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local outbox</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><main><h1>Local outbox</h1>{body}</main></body></html>"
    ).encode()


def serve(path: str) -> tuple[int, dict[str, str], bytes] | None:
    if path == "/outbox":
        return 200, {"content-type": "text/html; charset=utf-8"}, page()
    if path == "/outbox.json":
        return 200, {"content-type": "application/json"}, json.dumps(listing()).encode()
    if path.startswith("/outbox/"):
        parts = path.split("/")
        if len(parts) == 4:
            found = attachment(parts[2], parts[3])
            if found is not None:
                return 200, {"content-type": found[0]}, found[1]
        return 404, {"content-type": "text/plain"}, b"Not found"
    return None
