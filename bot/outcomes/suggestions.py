"""What the suggestion use cases return (bot.services.suggestions): a suggestion's states and
moves, the limits a draft is held to, the draft itself as the `suggest` conversation keeps it,
and the typed outcome of each step of writing, reviewing and asking for the summary. They live
apart from the service so that the view that renders them (bot.views.suggestions) reads them
without importing the use case that made them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.flowstate import FlowState
from bot.repos.suggestions import Suggestion

MAX_CHARS = 2000
MAX_PHOTOS = 5
NONCE_MAX = 999_999  # a preview's nonce: 1 … NONCE_MAX (ties its buttons to this draft)
SAVE = 99  # a reviewer's topic buttons: save the choice
OPEN = 98  # … shown, nothing changed

SUBMITTED, UNDER_REVIEW, ADOPTED, REJECTED = "submitted", "under_review", "adopted", "rejected"
IMPLEMENTED, REWARDED, MERGED = "implemented", "rewarded", "merged"
STATES = (SUBMITTED, UNDER_REVIEW, ADOPTED, REJECTED, IMPLEMENTED, REWARDED, MERGED)


class Move(StrEnum):
    TAKE = "take"
    ADOPT = "adopt"
    REJECT = "reject"
    DUPLICATE = "dup"
    IMPLEMENT = "impl"
    REWARD = "reward"


# ------------------------------------------------------------------ writing one


class DraftAct(StrEnum):
    """A button of the submitter's preview (`views.suggestions.DraftPress`)."""

    SUBMIT = "submit"
    ANONYMOUS = "anon"
    TOPICS = "topics"  # show the topic buttons
    CANCEL = "cancel"
    TOPIC = "t"  # toggle the topic at `arg`
    BACK = "back"  # topics done: the preview again


class DraftStep(StrEnum):
    TEXT = "text"
    PREVIEW = "preview"


@dataclass(frozen=True)
class SuggestDraft(FlowState, flow="suggest", version=1):
    step: DraftStep
    nonce: int
    text: str = ""
    photos: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    auto: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


class DraftReply(StrEnum):
    """What to tell the person writing a suggestion."""

    NOT_REGISTERED = "not_registered"
    ASK = "ask"  # the text, please
    TOO_LONG = "too_long"
    GROUP_EMPTY = "group_empty"  # `/suggest` in a group without a text
    GROUP_OPEN_PRIVATE = "group_open_private"  # taken, but the bot may not write to them yet
    GROUP_ACK = "group_ack"  # taken in the group; the preview follows privately
    USE_BUTTONS = "use_buttons"  # a text while the preview waits for its buttons
    PHOTO_NO_FLOW = "photo_no_flow"
    PHOTO_LIMIT = "photo_limit"
    PHOTO_NEED_TEXT = "photo_need_text"


@dataclass(frozen=True)
class DraftOutcome:
    """A step of writing a suggestion: `reply` what to say (None: nothing); `preview` the
    draft to show privately with its buttons, after the reply."""

    reply: DraftReply | None
    preview: SuggestDraft | None = None
    length: int = 0  # TOO_LONG, GROUP_EMPTY: the text's length
    photos: int = 0  # PHOTO_NEED_TEXT: the photos attached so far


@dataclass(frozen=True)
class DraftStale:
    """A preview button of a draft that is gone, moved on, or another run's."""


@dataclass(frozen=True)
class DraftUnregistered:
    """提交 by someone no longer on the roster."""


@dataclass(frozen=True)
class Submitted:
    suggestion: Suggestion
    anonymous: bool
    reviewers: tuple[int, ...]  # told at once: the unit's leaders, else the admins


@dataclass(frozen=True)
class DraftCancelled:
    pass


@dataclass(frozen=True)
class NeedOneTopic:
    """The last topic unticked: a suggestion keeps at least one."""


@dataclass(frozen=True)
class TopicChoice:
    """The preview's topic buttons: every topic, the chosen ticked."""

    nonce: int
    topics: tuple[str, ...]
    chosen: tuple[str, ...]


@dataclass(frozen=True)
class DraftPreview:
    draft: SuggestDraft


DraftPressed = (
    DraftStale | DraftUnregistered | Submitted | DraftCancelled | NeedOneTopic | TopicChoice
    | DraftPreview
)  # fmt: skip


# ------------------------------------------------------------------ reviewing


class Decision(StrEnum):
    """What a reviewer's press on a card led to."""

    DONE = "done"  # the move is made
    ASK_REASON = "ask_reason"  # 不采纳 needs a reason: ask for it, nothing changed yet
    ASK_REWARD = "ask_reward"  # 奖励 needs points (and yuan)
    PICK_TARGET = "pick_target"  # 重复 needs the earlier suggestion it repeats
    NO_PERMISSION = "no_permission"
    STATE_CHANGED = "state_changed"  # another reviewer moved it first
    STALE = "stale"  # gone, or the move could not be made any more


@dataclass(frozen=True)
class Similar:
    suggestion: Suggestion
    score: float


@dataclass(frozen=True)
class Pressed:
    decision: Decision
    suggestion: Suggestion | None = None
    similar: tuple[Similar, ...] = ()  # PICK_TARGET: the earlier ones it may repeat


@dataclass(frozen=True)
class Card:
    """A reviewer's card of one suggestion, with what this reviewer may do there."""

    suggestion: Suggestion
    similar: list[Similar]
    moves: list[Move]
    topics_mask: int | None  # the topic button's choice; None: no topic button
    rectify: bool  # 转整改: decided, and the reviewer may raise a rectification


@dataclass(frozen=True)
class ReviewQueue:
    """/review: how many wait for this reviewer, and the first MAX_CARDS as cards."""

    total: int
    cards: list[Card]


@dataclass(frozen=True)
class TopicsSaved:
    card: Card  # the card again, with the topics saved


@dataclass(frozen=True)
class TopicsShown:
    """A reviewer's topic buttons: the choice so far (not saved yet)."""

    suggestion_id: int
    mask: int
    topics: tuple[str, ...]
    chosen: tuple[str, ...]


TopicPressed = Decision | TopicsSaved | TopicsShown  # Decision: STALE or NO_PERMISSION


@dataclass(frozen=True)
class ReportRefused:
    """/suggestion_report refused: `code` of a period the text does not name ("bad",
    "future"); None = no permission."""

    code: str | None
    value: str = ""
