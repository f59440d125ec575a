"""Live messages edited through the outbox: the tally ("已签到 18/30") and leaders' roll cards.

Thirty people pressing 签到 within a minute must not cost thirty group messages (Telegram
allows 20 per minute per group, edits included, and 30 per second in all). A change to a
session (a press, a leave, a leader's change, a withdrawal) queues one edit row per live
message of the session — the session message in each of its groups and every roll card a
leader opened — in the outbox (`AttendanceRepo.queue_tally_sync`); a press writes its row in
the same transaction as the check-in, so a crash between the press and its edit loses no edit.
What the outbox does with them (bot/delivery/outbox.py, sender.py):

- one pending edit per message: presses while one waits add nothing, so after the last press
  every message needs at most one more edit;
- the text is rendered from the database when the edit is sent (never a stale count), and an
  unchanged text is not sent again ("message is not modified" counts as done);
- at most one edit per chat every `min_interval` seconds (the group window spread evenly),
  with the interactive turn, through the one flood-controlled sender.

On start every open session is marked once (`AttendanceService.refresh_tallies`).
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.delivery.flood import FloodController
from bot.delivery.outbox import Outbox
from bot.repos.attendance import AttendanceRepo


class Tally:
    def __init__(self, outbox: Outbox, repo: AttendanceRepo, flood: FloodController) -> None:
        self.outbox = outbox
        self.repo = repo
        self.flood = flood

    @property
    def min_interval(self) -> float:
        lim = self.flood.limits
        return lim.group_period * (1 + lim.margin) / lim.group_count

    async def mark(self, *session_ids: int, skip_card: tuple[int, int] | None = None) -> int:
        """Something changed in these sessions: their live messages will be edited soon, but
        the roll card `skip_card` (chat, message) its caller edits at once itself. Returns how
        many edit rows were new (0: one was waiting for each already)."""
        ids: Iterable[int] = session_ids
        added = await self.repo.db.write(
            lambda conn: self.repo.queue_tally_sync(conn, ids, skip_card)
        )
        if added:
            self.outbox.wake()
        return added

    def queued(self, added: int) -> None:
        """Edit rows were queued inside another write (a press): have them sent."""
        if added:
            self.outbox.wake()

    async def drain(self, limit_s: float = 10.0) -> bool:
        """Wait until every queued edit has been made (tests, shutdown)."""
        return await self.outbox.wait_idle(limit_s)
