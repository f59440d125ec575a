"""Texts of a roster import: row and file errors, the preview / applied summary, who changes.

Views of the domain's ImportResult, shared by the chat (bot.views.org) and `banzu org import`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.org_import import (
    MAX_NAME_LEN,
    MAX_ROWS,
    MAX_TAG_LEN,
    FileError,
    ImportResult,
    ImportSummary,
    MemberChange,
    RowError,
)
from bot.texts import Texts
from bot.views.files import table_error


def _clip(value: str | None, width: int = 24) -> str:
    text = value or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def render_errors(
    errors: Sequence[RowError], texts: Texts, lang: str | None = None, *, limit: int | None = None
) -> list[str]:
    """One line per error; values are HTML-escaped (messages go out in HTML parse mode).

    With `limit`, at most that many lines and a last line saying how many were left out.
    """
    shown = errors if limit is None else errors[:limit]
    lines = [_render_error(e, texts, lang) for e in shown]
    if len(errors) > len(shown):
        lines.append(texts.get("org.row.more", lang, count=len(errors) - len(shown)))
    return lines


def _render_error(error: RowError, texts: Texts, lang: str | None) -> str:
    field_name = texts.get(f"org.column.{error.field}", lang) if error.field else ""
    limit = MAX_TAG_LEN if error.field == "tags" else MAX_NAME_LEN
    return texts.get(
        f"org.row.{error.code}",
        lang,
        row=error.row,
        field=field_name,
        value=_clip(error.value),
        other_row=error.other_row or "",
        limit=limit,
    )


def render_file_error(error: FileError, texts: Texts, lang: str | None = None) -> str:
    if error.table is not None:
        return table_error(error.table, texts, lang)
    separator = texts.get("org.list_separator", lang)
    columns = separator.join(texts.get(f"org.column.{c}", lang) for c in error.columns)
    return texts.get(f"org.file.{error.code}", lang, columns=columns, limit=MAX_ROWS)


def render_summary(result: ImportResult, texts: Texts, lang: str | None = None) -> str:
    """The outcome of an import in one message: counts, or the file/row errors."""
    if result.file_error is not None:
        return render_file_error(result.file_error, texts, lang)
    if result.errors:
        head = texts.get("org.import.rejected", lang, count=len(result.errors))
        return "\n".join([head, *render_errors(result.errors, texts, lang, limit=30)])
    s = result.summary or ImportSummary()
    key = "org.import.dry_run" if result.dry_run else "org.import.done"
    lines = []
    if result.header_row:
        lines.append(texts.get("org.import.header_row", lang, row=result.header_row))
    if result.ignored:
        ignored = texts.join(result.ignored, lang)
        lines.append(texts.get("org.import.ignored", lang, columns=ignored))
    counts = texts.get(
        key,
        lang,
        rows=result.rows,
        units_created=s.units_created,
        teams_created=s.teams_created,
        members_created=s.members_created,
        members_updated=s.members_updated,
        members_moved=s.members_moved,
        members_deactivated=s.members_deactivated,
        unchanged=s.unchanged,
    )
    return "\n".join([counts, *lines, *render_changes(result.changes, texts, lang)])


MAX_NAMED = 30  # per kind; beyond that the preview says how many more


def render_changes(
    changes: Sequence[MemberChange], texts: Texts, lang: str | None = None
) -> list[str]:
    """Who is added, moved, deactivated, re-activated: by name, so nobody changes silently."""
    lines: list[str] = []
    for kind in ("moved", "reactivated", "deactivated", "added"):
        of_kind = [c for c in changes if c.kind == kind]
        if not of_kind:
            continue
        lines.append(texts.get(f"org.change.{kind}", lang, count=len(of_kind)))
        for c in of_kind[:MAX_NAMED]:
            lines.append(
                texts.get(
                    f"org.change.{kind}_line",
                    lang,
                    name=c.name,
                    employee_no=c.employee_no,
                    old=c.old_team,
                    new=c.new_team,
                )
            )
        if len(of_kind) > MAX_NAMED:
            lines.append(texts.get("org.change.more", lang, count=len(of_kind) - MAX_NAMED))
    return lines
