"""Shopper emails through SES (raw MIME, so a PDF can travel with the message)."""

from __future__ import annotations

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import Any

from returns_core.ports.notifications import EmailMessage


class SesNotifier:
    def __init__(self, client: Any, sender: str) -> None:
        self._client = client
        self._sender = sender

    def send(self, message: EmailMessage) -> str:
        mime = MIMEMultipart()
        # Subjects in Japanese, Chinese or with accents travel as RFC 2047 encoded words.
        mime["Subject"] = Header(message.subject, "utf-8").encode()
        mime["From"] = self._sender
        mime["To"] = message.to
        mime.attach(MIMEText(message.text, "plain", "utf-8"))
        for attachment in message.attachments:
            part = MIMEApplication(attachment.data, _subtype=attachment.content_type.split("/")[-1])
            part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
            mime.attach(part)
        response = self._client.send_raw_email(
            Source=self._sender, Destinations=[message.to], RawMessage={"Data": mime.as_bytes()}
        )
        message_id: str = response["MessageId"]
        return message_id
