"""Signed portal tokens: a status link or a session opens only what it was issued for, only until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returns_core.portal.tokens import SESSION, TRACK, InvalidToken, TokenSigner

NOW = datetime(2026, 11, 22, 5, 0, tzinfo=UTC)


SECRET = "a-portal-secret-of-some-length"


def _signer(secret: str = SECRET, now: datetime = NOW) -> TokenSigner:
    return TokenSigner(secret, now=lambda: now)


def test_a_token_gives_back_what_it_was_issued_for() -> None:
    # Given a status link for a return / When verified / Then it names that return
    token = _signer().issue(TRACK, {"r": "RT-1"}, timedelta(days=1))
    assert _signer().verify(TRACK, token) == {"r": "RT-1"}


def test_a_session_cannot_be_used_as_a_status_link() -> None:
    # Given a lookup session / When presented as a status link / Then refused
    token = _signer().issue(SESSION, {"o": "ORD-1"}, timedelta(hours=1))
    with pytest.raises(InvalidToken):
        _signer().verify(TRACK, token)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "eyJwIjoidHJhY2siLCJzIjp7InIiOiJSVC0yIn0sIngiOjE5OTk5OTk5OTl9" + t[t.index(".") :],  # payload swapped
        lambda t: t.replace(".", ""),
        lambda t: t + "." + t,
        lambda t: "",
        lambda t: "x" * 5000,
    ],
)
def test_a_tampered_or_malformed_token_is_refused(tamper: object) -> None:
    # Given a valid status link, altered
    token = _signer().issue(TRACK, {"r": "RT-1"}, timedelta(days=1))
    assert callable(tamper)
    # When verified / Then refused, never accepted for another return
    with pytest.raises(InvalidToken):
        _signer().verify(TRACK, tamper(token))


def test_a_token_expires_and_another_secret_does_not_accept_it() -> None:
    # Given a one-hour session
    token = _signer().issue(SESSION, {"o": "ORD-1"}, timedelta(hours=1))
    # When checked two hours later, or by a deployment with another secret / Then refused
    with pytest.raises(InvalidToken):
        _signer(now=NOW + timedelta(hours=2)).verify(SESSION, token)
    with pytest.raises(InvalidToken):
        _signer(secret="another-secret-entirely-here").verify(SESSION, token)


def test_a_short_secret_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 16"):
        TokenSigner("short")
