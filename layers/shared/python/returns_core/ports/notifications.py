"""The notification port: messages to shoppers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class EmailMessage:
    to: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...] = field(default=())


class Notifier(Protocol):
    def send(self, message: EmailMessage) -> str: ...
