"""The buttons of a suggestion, typed (bot/callbacks.py), with the strings they always had, so
buttons already in chats keep working:

- the submitter's preview: "sgs:v1:<nonce>:<act>:<topic index or 0>" (`DraftPress`);
- a reviewer's card: "sg:v1:<id>:<move>:<earlier id or 0>" (`ReviewPress`), and the notice
  of a new suggestion asking for its card, "sg:v1:<id>:open:0" (`OpenCard`);
- a reviewer's topic correction: "sgt:v1:<id>:<mask>:<index | SAVE | OPEN>" (`TopicPress`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

from bot.callbacks import INT64_MAX, Callback, Id, Range
from bot.services.suggestions import Move

NS_DRAFT = "sgs"
NS_REVIEW = "sg"
SAVE = 99
OPEN = 98  # shows the topic buttons without changing anything
NONCE_MAX = 999_999  # a preview's nonce: 1 … NONCE_MAX


class DraftAct(StrEnum):
    SUBMIT = "submit"
    ANONYMOUS = "anon"
    TOPICS = "topics"  # show the topic buttons
    CANCEL = "cancel"
    TOPIC = "t"  # toggle the topic at `arg`
    BACK = "back"  # topics done: the preview again


@dataclass(frozen=True)
class DraftPress(Callback, ns=NS_DRAFT, version=1):
    nonce: Annotated[int, Range(1, NONCE_MAX)]
    act: DraftAct
    arg: Annotated[int, Range(0, SAVE)] = 0


@dataclass(frozen=True)
class TopicPress(Callback, ns="sgt", version=1):
    """A reviewer's topic choice. The mask's width is the tagger's topic count, checked by the
    handler (`_chosen`)."""

    suggestion: Id
    mask: Annotated[int, Range(0, INT64_MAX)]
    index: Annotated[int, Range(0, SAVE)]


@dataclass(frozen=True)
class ReviewPress(Callback, ns=NS_REVIEW, version=1):
    """A move on a reviewer's card; `target` is the earlier suggestion a duplicate repeats."""

    id: Id
    move: Move
    target: Annotated[int, Range(0, INT64_MAX)] = 0


@dataclass(frozen=True)
class OpenCard(Callback, ns=NS_REVIEW, version=1):
    """A reviewer's notice of a new suggestion asks for its card."""

    id: Id
    op: Literal["open"] = "open"
    zero: Annotated[int, Range(0, 0)] = 0
