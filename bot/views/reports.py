"""/report's files as Telegram sends them: the chart and the workbook, named by the month."""

from __future__ import annotations

from telegram import InputFile

from bot.outcomes.reports import Files, Month


def attachments(month: Month, files: Files) -> tuple[InputFile | None, InputFile | None]:
    """The PNG chart and the XLSX workbook (None for an empty month)."""
    name = f"attendance-{month.label}"
    chart = InputFile(files.png, filename=f"{name}.png") if files.png is not None else None
    workbook = InputFile(files.xlsx, filename=f"{name}.xlsx") if files.xlsx is not None else None
    return chart, workbook
