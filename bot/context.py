"""The typed context every handler receives: `context.svc` is the bot's services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.clock import Clock
from bot.db import Database
from bot.delivery.flood import FloodController
from bot.delivery.inbox import Inbox
from bot.delivery.outbox import Outbox
from bot.domain.auth import Action
from bot.domain.casework import case_key
from bot.domain.recognition import ballot_key
from bot.repos.casework import CaseworkRepo
from bot.repos.conversations import Conversation, ConversationsRepo
from bot.repos.groups import GroupsRepo
from bot.repos.leave import LeaveRepo
from bot.repos.notices import NoticesRepo
from bot.repos.org import OrgRepo
from bot.repos.people import PeopleRepo
from bot.repos.pledges import PledgesRepo
from bot.repos.quiz import QuizRepo
from bot.repos.recognition import RecognitionRepo
from bot.repos.rectification import RectificationRepo
from bot.repos.schedules import SchedulesRepo
from bot.repos.suggestions import SuggestionsRepo
from bot.repos.talks import TalksRepo
from bot.services.casework import CaseworkService
from bot.services.claims import ClaimService
from bot.services.contest import ContestService
from bot.services.conversations import Conversations
from bot.services.directory import Directory
from bot.services.leave import LeaveService
from bot.services.menus import MenuService
from bot.services.notices import NoticeService
from bot.services.pledges import PledgeService
from bot.services.preshift import PreshiftService
from bot.services.quiz import QuizService
from bot.services.recognition import RecognitionService
from bot.services.rectification import RectificationService
from bot.services.reports import AttendanceReports
from bot.services.roster import RosterImports
from bot.services.schedule_admin import ScheduleAdmin
from bot.services.sessions import AttendanceService, Sessions
from bot.services.suggestions import SuggestionService
from bot.services.talks import TalkService
from bot.services.trend_delivery import TrendDeps, TrendLedger
from bot.services.trend_requests import TrendAsk
from bot.settings import Settings
from bot.tagging import Tagger
from bot.texts import Texts
from scheduler.runner import RunnerDeps, ScheduleRunner

FlowStep = Callable[[Update, "BanzuContext", Conversation], Awaitable[None]]


@dataclass(frozen=True)
class CommandInfo:
    """A command as /help and setMyCommands show it; `action` None = everyone registered."""

    name: str
    text_key: str
    action: Action | None = None
    private: bool = True
    group: bool = False
    public: bool = False  # shown even before registration


@dataclass
class Services:
    settings: Settings
    db: Database
    texts: Texts
    flood: FloodController
    people: PeopleRepo
    groups: GroupsRepo
    conversations: Conversations  # multi-step flows' typed state
    directory: Directory  # who is who, teams, chats, registration, binding
    org: OrgRepo
    attendance: AttendanceService
    sessions: Sessions  # the study-session use cases (/study, 签到, roll call, close)
    leave: LeaveService  # leave asked ahead (请假)
    outbox: Outbox
    inbox: Inbox  # updates stored before they are acknowledged (bot/delivery/inbox.py)
    notices: NoticeService
    suggestions: SuggestionService
    pledges: PledgeService
    schedules: SchedulesRepo  # the runner's
    schedule_admin: ScheduleAdmin  # /schedule's use cases
    preshift: PreshiftService  # 已学 and who has not
    runner: ScheduleRunner  # schedule delivery (its clock is `clock`)
    clock: Clock
    quiz: QuizService
    contest: ContestService
    recognition: RecognitionService
    rectification: RectificationService
    roster: RosterImports
    reports: AttendanceReports  # /report: who may see which month, and its files
    casework: CaseworkService
    talks: TalkService
    menus: MenuService
    claims: ClaimService
    trend_delivery: TrendDeps  # the monthly analyses' scheduled delivery
    trend_ask: TrendAsk  # /trends on demand
    # flow name -> handler of the next private message in that flow; filled by handlers'
    # register(app), so a feature owns its steps and the dispatcher knows none of them.
    flows: dict[str, FlowStep] = field(default_factory=dict)
    # flow name -> handler of a file or photo sent while in that flow (before any other
    # file handler, so a figures file is never taken for a roster)
    file_flows: dict[str, FlowStep] = field(default_factory=dict)
    commands: list[CommandInfo] = field(default_factory=list)
    seen_users: set[tuple[int, bool]] = field(default_factory=set)
    last_alert: dict[str, float] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings, flood: FloodController) -> Services:
        db = Database(settings.db_path)
        texts = Texts(default=settings.language)
        people, org = PeopleRepo(db), OrgRepo(db, settings.political_titles)
        outbox = Outbox(db)
        inbox = Inbox(db, texts)
        inbox.attach(outbox, people)
        clock = Clock()  # one now for the runner, attendance and quizzes; tests move it
        runner = ScheduleRunner(clock)
        groups = GroupsRepo(db)
        schedules = SchedulesRepo(db, clock)
        attendance = AttendanceService.create(db, settings, flood, outbox, clock)
        conversations = ConversationsRepo(db)
        suggestions = SuggestionService(
            SuggestionsRepo(db), Tagger(), case_key(settings.token), people, conversations,
            settings.admins,
        )  # fmt: skip
        leave = LeaveService(
            LeaveRepo(db), people, texts, attendance, outbox, settings.admins, conversations
        )
        quiz = QuizService(db, QuizRepo(db), people, outbox, texts, settings.tz, clock=clock)
        sessions = Sessions(
            attendance, texts, org, groups, people, outbox, leave, quiz, conversations
        )

        async def topics_of(text: str) -> tuple[str, ...]:
            return (await suggestions.tag(text)).topics

        notices_repo = NoticesRepo(db)
        runner.attach(
            RunnerDeps(
                db, schedules, org, people, notices_repo, outbox, attendance, sessions, texts,
                settings.tz, settings.admins,
            )
        )  # fmt: skip
        return cls(
            settings=settings,
            db=db,
            texts=texts,
            flood=flood,
            people=people,
            groups=groups,
            conversations=Conversations(conversations),
            directory=Directory(people, org, groups, settings, clock),
            org=org,
            attendance=attendance,
            sessions=sessions,
            leave=leave,
            outbox=outbox,
            inbox=inbox,
            notices=NoticeService(notices_repo, org, outbox, texts),
            suggestions=suggestions,
            pledges=PledgeService(PledgesRepo(db), people, org, conversations, settings.tz),
            schedules=schedules,
            schedule_admin=ScheduleAdmin(schedules, org, settings.tz, runner.now, runner.forget),
            preshift=PreshiftService(schedules, org, people, outbox, texts, runner.prompt),
            runner=runner,
            clock=clock,
            quiz=quiz,
            contest=ContestService.build(db, people, org, settings, texts, clock),
            # The ballot key comes from the bot token, which is not in the database: a token
            # seen elsewhere cannot be matched to a ballot from the database alone.
            recognition=RecognitionService(
                RecognitionRepo(db),
                ballot_key(settings.token),
                settings.tz,
                conversations,
                people,
                settings.admins,
            ),
            rectification=RectificationService(
                RectificationRepo(db),
                people,
                groups,
                texts,
                settings.tz,
                settings.admins,
                wake=outbox.wake,
            ),
            roster=RosterImports(org, outbox, texts, people),
            reports=AttendanceReports(org, texts, settings.db_path, settings.tz, clock),
            # Like the ballot key: from the bot token, never stored, so the database alone
            # cannot tell who wrote an anonymous request.
            casework=CaseworkService(
                CaseworkRepo(db, clock),
                people,
                texts,
                case_key(settings.token),
                settings.tz,
                settings.admins,
                topics_of,
                settings.language,
            ),
            talks=TalkService(TalksRepo(db), people, texts, settings.tz, settings.language),
            menus=MenuService(db, people, org, groups, clock),
            claims=ClaimService(db, people, settings.admins, texts, outbox, clock),
            trend_delivery=TrendDeps(
                str(settings.db_path),
                TrendLedger(db),
                people,
                settings.admins,
                texts,
                settings.language,
                settings.tz,
            ),
            trend_ask=TrendAsk(str(settings.db_path), texts, settings.tz),
        )


class AppData:
    """`bot_data` of the Application: holds the services (PTB creates it without arguments)."""

    def __init__(self) -> None:
        self._services: Services | None = None

    def attach(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services not attached; build the app with build_application()")
        return self._services


BanzuApp = Application[
    ExtBot[None], "BanzuContext", dict[Any, Any], dict[Any, Any], AppData, JobQueue["BanzuContext"]
]


class BanzuContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], AppData]):
    @property
    def svc(self) -> Services:
        return self.bot_data.services
