"""Time, in one place: the bot's notion of "now" and how moments are stored (UTC ISO text)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """A moment as stored: UTC, milliseconds — exactly what SQLite's column defaults write
    (strftime('%Y-%m-%dT%H:%M:%fZ','now')), so text order is time order whoever wrote it
    (migration 0010 rewrote the microsecond values written before)."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
