"""JSON over HTTPS for the carrier-API adapters (EasyPost, Shippo), and the few things they share.

`JsonHttpClient` speaks JSON to one provider and turns every way a call can go wrong into one of
the carrier port's named errors, which the state machine's Retry/Catch match by class name:

| what happened                                  | raised               | retried? |
|------------------------------------------------|----------------------|----------|
| no answer in time (connect or read)            | `CarrierTimeout`     | yes      |
| connection refused/reset, TLS failure, 5xx     | `CarrierUnavailable` | yes      |
| a 2xx whose body is not JSON                   | `CarrierUnavailable` | yes      |
| 429                                            | `CarrierRateLimited` | yes      |
| any other 4xx                                  | `CarrierRejected`    | no       |

Request and response bodies are never logged: they hold the shopper's and the warehouse's
addresses. A provider's error message goes into the exception text only after `scrub` has taken
out anything quoted (providers echo rejected values in quotes), emails and long digit runs.

The default transport is `http.client` rather than `urllib.request` because urllib has one
timeout for the whole exchange; here the connect timeout and the read timeout are separate, and a
body that trickles in slower than the read timeout is cut off too. Tests inject a fake transport.
"""

from __future__ import annotations

import http.client
import json
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any, NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit

from returns_core.adapters.documents import DocumentStore
from returns_core.observability import logger, redact
from returns_core.ports.carriers import (
    CarrierError,
    CarrierRateLimited,
    CarrierRejected,
    CarrierTimeout,
    CarrierUnavailable,
    ShipmentRequest,
)

USER_AGENT = "returns-platform/0.1 (+carrier adapter)"
MAX_RESPONSE_BYTES = 10 * 1024 * 1024  # a label PDF is tens of kB; anything this big is wrong
MAX_REDIRECTS = 3
MAX_MESSAGE_CHARS = 300


class Timeout(NamedTuple):
    """Seconds to open the TCP+TLS connection, and seconds for the answer to arrive once connected."""

    connect: float = 3.05
    read: float = 10.0


# (method, url, headers, body, timeout) -> (status, headers with lower-case names, body)
Transport = Callable[[str, str, Mapping[str, str], bytes | None, Timeout], tuple[int, Mapping[str, str], bytes]]


def stdlib_transport(context: ssl.SSLContext | None = None, max_bytes: int = MAX_RESPONSE_BYTES) -> Transport:
    """HTTPS on the standard library, certificates verified, connect and read timed out separately."""
    tls = context or ssl.create_default_context()

    def send(
        method: str, url: str, headers: Mapping[str, str], body: bytes | None, timeout: Timeout
    ) -> tuple[int, Mapping[str, str], bytes]:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("only https:// URLs are fetched")
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout.connect, context=tls)
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(timeout.read)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request(method, target, body=body, headers=dict(headers))
            response = connection.getresponse()
            data = _read_body(response, max_bytes, time.monotonic() + timeout.read)
            return response.status, {name.lower(): value for name, value in response.getheaders()}, data
        finally:
            connection.close()

    return send


def _read_body(response: http.client.HTTPResponse, max_bytes: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("response body did not arrive in time")
        chunk = response.read(64 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise OSError(f"response larger than {max_bytes} bytes")
        chunks.append(chunk)


_QUOTED = re.compile("'[^']*'|\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u2018[^\u2019]*\u2019")
_DIGIT_RUN = re.compile(r"\d{4,}")
_SPACE = re.compile(r"\s+")


def scrub(text: str) -> str:
    """A provider message fit for an exception text: no quoted values, emails or long numbers."""
    text = _QUOTED.sub("'…'", text)
    text = str(redact(text))
    text = _DIGIT_RUN.sub("#", text)
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"


def _where(url: str) -> str:
    """Host and path of a URL, for logs and errors: never the query (signed label URLs carry secrets)."""
    parts = urlsplit(url)
    return f"{parts.hostname or ''}{parts.path}"


class JsonHttpClient:
    """One provider's JSON API: base URL, credentials in headers, the provider's error format."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        headers: Mapping[str, str],
        error_message: Callable[[Any], str],
        transport: Transport | None = None,
        timeout: Timeout = Timeout(),
    ) -> None:
        if not base_url.startswith("https://"):
            raise ValueError("carrier APIs are called over HTTPS only")
        self.provider = provider
        self._base = base_url.rstrip("/")
        self._headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        self._error_message = error_message
        self._transport = transport or stdlib_transport()
        self._timeout = timeout

    def get(self, path: str, query: Mapping[str, str] | None = None) -> dict[str, Any]:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.request("POST", path, body=body)

    def request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None, query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The JSON object the provider answered with (every call the adapters make answers one)."""
        url = self._base + path + (f"?{urlencode(query)}" if query else "")
        headers = dict(self._headers)
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        status, _, payload = self._send(method, url, headers, data)
        if 200 <= status < 300:
            answer = self._decode(payload, f"{method} {_where(url)}")
            if not isinstance(answer, dict):
                raise CarrierUnavailable(f"{self.provider} {method} {_where(url)}: the answer is not a JSON object")
            return answer
        raise self._failure(status, payload)

    def download(self, url: str) -> bytes:
        """A file the provider points at (a label PDF on its CDN): no credentials sent, HTTPS only."""
        for _ in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme != "https":
                raise CarrierUnavailable(f"{self.provider}: refusing to fetch a non-HTTPS URL ({_where(url)})")
            status, headers, payload = self._send("GET", url, {"User-Agent": USER_AGENT}, None)
            if status in (301, 302, 303, 307, 308) and headers.get("location"):
                url = urljoin(url, headers["location"])
                continue
            if 200 <= status < 300:
                return payload
            raise self._failure(status, payload)
        raise CarrierUnavailable(f"{self.provider}: too many redirects fetching {_where(url)}")

    def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, Mapping[str, str], bytes]:
        where = f"{method} {_where(url)}"
        started = time.monotonic()
        try:
            status, response_headers, payload = self._transport(method, url, headers, body, self._timeout)
        except TimeoutError:
            self._log(where, None, started)
            raise CarrierTimeout(
                f"{self.provider} {where}: no answer within {self._timeout.connect}s connect / "
                f"{self._timeout.read}s read"
            ) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            self._log(where, None, started)
            raise CarrierUnavailable(f"{self.provider} {where}: {type(exc).__name__}") from exc
        self._log(where, status, started)
        return status, {name.lower(): value for name, value in response_headers.items()}, payload

    def _log(self, where: str, status: int | None, started: float) -> None:
        # Method, host and path, status and time only: bodies hold addresses, queries hold signatures.
        logger.info(
            "carrier API call",
            extra={
                "provider": self.provider,
                "call": where,
                "status": status,
                "elapsed_ms": round((time.monotonic() - started) * 1000),
            },
        )

    def _decode(self, payload: bytes, where: str) -> Any:
        try:
            # parse_float: every JSON number with a fraction becomes a Decimal, never a float.
            return json.loads(payload, parse_float=Decimal)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CarrierUnavailable(f"{self.provider} {where}: the answer is not JSON") from None

    def _failure(self, status: int, payload: bytes) -> CarrierError:
        message = ""
        try:
            message = scrub(self._error_message(json.loads(payload, parse_float=Decimal)))
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
            message = ""
        text = f"{self.provider} HTTP {status}" + (f": {message}" if message else "")
        if status == 429:
            return CarrierRateLimited(text)
        if status == 408:
            return CarrierTimeout(text)
        if 400 <= status < 500:
            return CarrierRejected(text)
        return CarrierUnavailable(text)


def message_list(items: Iterable[Any], text_keys: tuple[str, ...] = ("message", "text")) -> str:
    """`; `-joined texts of a provider's messages array (objects with a text field, or strings)."""
    texts: list[str] = []
    for item in items:
        if isinstance(item, Mapping):
            text = next((str(item[key]) for key in text_keys if item.get(key)), "")
            field = item.get("field") or item.get("code") or item.get("source")
            texts.append(f"{field}: {text}" if field and text else text or str(field or ""))
        elif item:
            texts.append(str(item))
    return "; ".join(text for text in texts if text)


# --- What the HTTP carrier adapters share -------------------------------------------------------

# The port's Parcel has a weight but no dimensions; carriers price by dimensional weight too, so a
# typical returns mailer box is declared unless the adapter is given another.
DEFAULT_BOX_CM = (30, 25, 10)
# When a rate carries no transit estimate: long enough that routing never prefers it for speed.
UNKNOWN_TRANSIT_DAYS = 10
# Neither provider states how long a bought label stays usable; carriers' own windows are ~30 days.
LABEL_VALIDITY = timedelta(days=30)

GRAMS_PER_OUNCE = Decimal("28.349523125")
CM_PER_INCH = Decimal("2.54")
_TENTH = Decimal("0.1")


def ounces(grams: int) -> Decimal:
    """Grams as ounces, rounded up to a tenth (never under-declare a weight), at least 0.1 oz."""
    return max(_TENTH, (Decimal(grams) / GRAMS_PER_OUNCE).quantize(_TENTH, rounding=ROUND_CEILING))


def inches(cm: int) -> Decimal:
    return max(_TENTH, (Decimal(cm) / CM_PER_INCH).quantize(_TENTH, rounding=ROUND_CEILING))


def transit_days(*estimates: Any) -> int:
    """The first estimate that is a whole number of days (at least 1), else `UNKNOWN_TRANSIT_DAYS`."""
    for estimate in estimates:
        if estimate is None or isinstance(estimate, bool):
            continue
        try:
            return max(1, int(estimate))
        except (TypeError, ValueError, ArithmeticError):
            continue
    return UNKNOWN_TRANSIT_DAYS


@dataclass(frozen=True)
class PostalAddress:
    """An address as the carrier APIs take it (EasyPost and Shippo use the same field names)."""

    country: str  # ISO 3166 alpha-2
    name: str = ""
    company: str = ""
    street1: str = ""
    street2: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""
    phone: str = ""
    email: str = ""

    def fields(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}

    @classmethod
    def from_lines(cls, lines: Iterable[str], country: str, *, phone: str = "", email: str = "") -> PostalAddress:
        """Best effort from free-text lines ("Returns Centre", "Lagerstrasse 1", "20457 Hamburg", "Germany").

        The first line is the addressee, the last line with a postcode is the locality, the lines
        between are the street, and a trailing line without digits is the country's name (the
        country comes from `country`). Pass a structured `PostalAddress` where the lines do not
        follow that shape.
        """
        parts = [line.strip() for line in lines if line and line.strip()]
        if len(parts) >= 3 and not any(ch.isdigit() for ch in parts[-1]):
            parts = parts[:-1]
        if not parts:
            return cls(country=country, phone=phone, email=email)
        name, rest = parts[0], parts[1:]
        locality = rest[-1] if len(rest) >= 2 else ""
        streets = rest[:-1] if locality else rest
        city, state, postcode = _locality(locality, country)
        return cls(
            country=country,
            company=name,
            name=name,
            street1=streets[0] if streets else "",
            street2=", ".join(streets[1:]),
            city=city,
            state=state,
            zip=postcode,
            phone=phone,
            email=email,
        )


_UK_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_UK_INWARD = re.compile(r"^\d[A-Z]{2}$")


def _locality(text: str, country: str) -> tuple[str, str, str]:
    """(city, state, postcode) from "20457 Hamburg", "Newark NJ 07114", "Mascot NSW 2020", "London SW1A 1AA"."""
    tokens = text.replace(",", " ").split()
    if not tokens:
        return "", "", ""
    if len(tokens) >= 3 and _UK_OUTWARD.match(tokens[-2]) and _UK_INWARD.match(tokens[-1]):
        return " ".join(tokens[:-2]), "", f"{tokens[-2]} {tokens[-1]}"
    if any(ch.isdigit() for ch in tokens[0]) and len(tokens) > 1:
        return " ".join(tokens[1:]), "", tokens[0]
    if any(ch.isdigit() for ch in tokens[-1]):
        rest = tokens[:-1]
        state = ""
        if len(rest) >= 2 and rest[-1].isalpha() and rest[-1].isupper() and 2 <= len(rest[-1]) <= 3:
            state = rest.pop()
        return " ".join(rest), state, tokens[-1]
    return text.strip(), "", ""


class PurchaseLog:
    """What an adapter bought for each return, in the documents bucket, keyed by our return id.

    Written *before* the purchase call, so that a BuyLabel retried after a timeout whose purchase
    went through finds the earlier purchase instead of buying a second label; completed with the
    tracking number afterwards, so that `void` can find the provider's ids (a `Label` read back from
    the return record keeps only the port's fields). Holds provider ids, never addresses.
    """

    def __init__(self, documents: DocumentStore, provider: str) -> None:
        self._documents = documents
        self._prefix = f"carrier-purchases/{provider}/"

    def get(self, reference: str) -> dict[str, Any] | None:
        raw = self._documents.get(f"{self._prefix}{reference}.json")
        if raw is None:
            return None
        entry: dict[str, Any] = json.loads(raw)
        return entry

    def put(self, reference: str, entry: Mapping[str, Any]) -> None:
        self._documents.put(f"{self._prefix}{reference}.json", json.dumps(entry).encode(), "application/json")


def label_key_for(reference: str, tracking_number: str) -> str:
    return f"labels/{reference}/{tracking_number}.pdf"


def reference_of(label_key: str) -> str | None:
    """Our return id from a label key written by `label_key_for`."""
    parts = label_key.split("/")
    return parts[1] if len(parts) == 3 and parts[0] == "labels" and parts[1] else None


def require_pdf(data: bytes, provider: str) -> bytes:
    if not data.startswith(b"%PDF-"):
        raise CarrierUnavailable(f"{provider}: the label download is not a PDF")
    return data


@dataclass(frozen=True)
class ReturnParties:
    """Who a return parcel travels between, in the shape both carrier APIs take."""

    warehouse: PostalAddress
    phone: str
    email: str
    signer: str  # who certifies the customs declaration
    shopper_address: Callable[[ShipmentRequest], PostalAddress | None] | None = None

    @classmethod
    def build(
        cls,
        return_address: PostalAddress | tuple[str, ...],
        return_country: str,
        contact_phone: str,
        contact_email: str,
        customs_signer: str,
        shopper_address: Callable[[ShipmentRequest], PostalAddress | None] | None,
    ) -> ReturnParties:
        if isinstance(return_address, PostalAddress):
            warehouse = return_address
        else:
            if not return_country:
                raise ValueError("return_country is needed with an address given as lines")
            warehouse = PostalAddress.from_lines(
                return_address, return_country, phone=contact_phone, email=contact_email
            )
        signer = customs_signer or warehouse.company or warehouse.name
        return cls(warehouse, contact_phone, contact_email, signer, shopper_address)

    def origin(self, shipment: ShipmentRequest) -> PostalAddress:
        """The shopper's address (only the country when it is not known)."""
        shopper = self.shopper_address(shipment) if self.shopper_address else None
        return shopper or PostalAddress(country=shipment.from_country)

    def destination(self, shipment: ShipmentRequest) -> PostalAddress:
        if shipment.to_address:  # a return hub rather than the warehouse
            return PostalAddress.from_lines(
                shipment.to_address, shipment.to_country, phone=self.phone, email=self.email
            )
        return self.warehouse


def returned_goods_explanation(shipment: ShipmentRequest) -> str:
    """What the customs declaration says the contents are: returned goods, quoting the outbound invoice."""
    explanation = "Returned goods"
    if shipment.original_invoice_number:
        explanation += f", original invoice {shipment.original_invoice_number}"
    return explanation


def store_label(
    http: JsonHttpClient, documents: DocumentStore, provider: str, url: str, reference: str, tracking: str
) -> str:
    """Download the bought label's PDF and keep it where the sandbox carrier keeps its own; its key."""
    pdf = require_pdf(http.download(url), provider)
    label_key = label_key_for(reference, tracking)
    documents.put(label_key, pdf, "application/pdf")
    return label_key
