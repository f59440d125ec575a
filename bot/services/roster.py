"""Roster imports as a use case: stage and preview, confirm once, tell the people moved, undo.

Used by the chat (an admin's 确认导入 press) and by `banzu org import`, so both tell a worker
whose team changed, through the outbox like every message to a third person, in the same
transaction as the import: the notice exists if and only if the move does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.db import Tx
from bot.delivery.outbox import Outbox, OutMessage
from bot.domain.auth import Action, Actor, can, teams_for
from bot.domain.org import Team
from bot.domain.org_import import ImportResult, MemberChange
from bot.repos.org import Applied, ImportStale, OrgRepo, Undone
from bot.repos.people import PeopleRepo
from bot.texts import Texts

__all__ = [
    "MAX_MB",
    "ImportApplied",
    "ImportCancelled",
    "ImportRefused",
    "ImportStale",
    "RosterImports",
    "UploadRefused",
    "UploadStaged",
]

_TOLD = ("moved", "reactivated")
MAX_MB = 5  # a roster file larger than this is refused before it is downloaded


@dataclass(frozen=True)
class UploadRefused:
    """A file sent in the private chat that is not taken as a roster: the reply's text key."""

    key: str  # org.chat.busy | org.chat.no_file_here | org.chat.too_big | common.no_permission

    def values(self) -> dict[str, object]:
        return {"limit": MAX_MB} if self.key == "org.chat.too_big" else {}


@dataclass(frozen=True)
class UploadStaged:
    """The file was read: its summary, and the staged import's id (None: nothing to apply)."""

    result: ImportResult
    staged: int | None


@dataclass(frozen=True)
class ImportRefused:
    """A press on 确认导入 / 取消 that does nothing: the alert's text key."""

    key: str  # org.confirm.admins_only | org.confirm.stale


@dataclass(frozen=True)
class ImportCancelled:
    done: bool  # False: it was already applied, cancelled or undone

    @property
    def key(self) -> str:
        return "org.confirm.cancelled" if self.done else "org.confirm.stale"


@dataclass(frozen=True)
class ImportApplied:
    result: ImportResult


class RosterImports:
    def __init__(
        self, org: OrgRepo, outbox: Outbox, texts: Texts, people: PeopleRepo | None = None
    ) -> None:
        self.org = org
        self.outbox = outbox
        self.texts = texts
        self.people = people  # the bot's cache of who is who (none in a one-off command)

    def _roster_changed(self) -> None:
        """Roles and teams may have changed for anyone: nobody's cached identity holds."""
        if self.people is not None:
            self.people.forget()

    async def stage(
        self, data: bytes, filename: str, *, prune: bool = False, actor: int | None = None
    ) -> tuple[ImportResult, int | None]:
        return await self.org.stage(data, filename, prune=prune, actor=actor)

    async def offer_file(
        self,
        actor: Actor,
        *,
        busy: bool,
        filename: str,
        size: int,
        download: Callable[[], Awaitable[bytes]],
    ) -> UploadRefused | UploadStaged:
        """A document sent in the private chat: staged as a roster if the sender may import,
        is not in another flow (`busy`) and the file is small enough; downloaded only then.

        Flows that take files (a notice's content) ran before and took theirs; any other flow
        in progress must not see its file turn into an import."""
        if busy:
            return UploadRefused("org.chat.busy")
        if not can(actor, Action.IMPORT_ORG):
            return UploadRefused("org.chat.no_file_here")
        if size > MAX_MB * 1024 * 1024:
            return UploadRefused("org.chat.too_big")
        result, staged = await self.stage(await download(), filename, actor=actor.tg_user_id)
        return UploadStaged(result, staged)

    async def decide(
        self, actor: Actor, import_id: int, *, confirm: bool
    ) -> ImportRefused | ImportCancelled | ImportApplied:
        """A press on the preview's 确认导入 (`confirm`) or 取消."""
        if not can(actor, Action.IMPORT_ORG):
            return ImportRefused("org.confirm.admins_only")
        if not confirm:
            return ImportCancelled(await self.cancel(import_id))
        try:
            applied = await self.confirm(import_id, actor=actor.tg_user_id)
        except ImportStale:
            return ImportRefused("org.confirm.stale")
        return ImportApplied(applied.result)

    async def confirm(self, import_id: int, *, actor: int | None) -> Applied:
        """Raises ImportStale when the import was already applied, cancelled or undone."""

        async def tell(tx: Tx, changes: list[MemberChange]) -> None:
            await self.outbox.repo.enqueue(self.notices(import_id, changes), tx)

        applied = await self.org.confirm(import_id, actor=actor, after=tell)
        self._roster_changed()
        self.outbox.wake()  # after the commit: the sender sees the rows at once
        return applied

    def notices(self, import_id: int, changes: Sequence[MemberChange]) -> list[OutMessage]:
        return [
            OutMessage(
                c.tg_user_id,
                self.texts.get(f"org.notice.{c.kind}", old=c.old_team, new=c.new_team),
                purpose="org_move",
                dedupe_key=f"org:{import_id}:{c.kind}:{c.employee_no}",
                batch=f"org:{import_id}",
            )
            for c in changes
            if c.kind in _TOLD and c.tg_user_id is not None
        ]

    async def cancel(self, import_id: int) -> bool:
        return await self.org.cancel(import_id)

    async def undo_last(self, *, actor: int | None) -> Undone | None:
        undone = await self.org.undo_last(actor=actor)
        if undone is not None:
            self._roster_changed()
        return undone

    async def undo(self, actor: Actor) -> Undone | UploadRefused | None:
        """/import_undo: the last import reverted, if the actor may import rosters."""
        if not can(actor, Action.IMPORT_ORG):
            return UploadRefused("common.no_permission")
        return await self.undo_last(actor=actor.tg_user_id)

    async def invite_teams(self, actor: Actor) -> list[Team] | None:
        """The teams whose registration links `actor` may hand out (None: they may not)."""
        if not can(actor, Action.VIEW_INVITES):
            return None
        return teams_for(actor, Action.VIEW_INVITES, await self.org.teams())
