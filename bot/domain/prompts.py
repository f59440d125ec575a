"""A pre-shift learning item (班前学习) as the catalogue in `data/prompts/*.toml` holds it.

Plain data, so that the pre-shift view can render a post without importing the use cases that
load the catalogue and pick a team's next item (`bot.services.prompts`, which re-exports it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Prompt:
    id: str
    category: str
    title: str
    body: str
    question: str | None = None
