"""Time, in one place: the bot's notion of "now" and how moments are stored (UTC ISO text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


class Clock:
    """The application's one "now" (`Services.clock`): real time, unless a test, the demo or a
    chaos run sets it. The schedule runner, attendance and quizzes read it (they take any
    `Callable[[], datetime]`, and a Clock is one), so moving it moves them all together.
    """

    def __init__(self) -> None:
        self._at: datetime | None = None

    def __call__(self) -> datetime:
        return self.now()

    def now(self) -> datetime:
        return self._at if self._at is not None else utcnow()

    def set(self, moment: datetime) -> None:
        """Stand still at `moment` (aware) until moved again or `real()`."""
        if moment.tzinfo is None:
            raise ValueError("a naive datetime has no moment: give it a time zone")
        self._at = moment.astimezone(UTC)

    def advance(self, seconds: float) -> datetime:
        """Move forward from now (a stopped clock stays stopped, later)."""
        self._at = self.now() + timedelta(seconds=seconds)
        return self._at

    def real(self) -> None:
        self._at = None

    @property
    def stopped_at(self) -> datetime | None:
        """Where a stopped clock stands; None while it runs in real time (a restarted
        application takes this over, so a test's time survives the restart)."""
        return self._at


def iso(moment: datetime) -> str:
    """A moment as stored: UTC, milliseconds — exactly what SQLite's column defaults write
    (strftime('%Y-%m-%dT%H:%M:%fZ','now')), so text order is time order whoever wrote it
    (migration 0010 rewrote the microsecond values written before)."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
