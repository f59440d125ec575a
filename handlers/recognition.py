"""评先树优 and 民主评议 in chat: /awards /award_new /nominate /vote /rate /rating_new /ratings.

Ballots and ratings are answered only in the person's private chat (direct replies and
edits of their own message); nothing of them goes through the outbox, which keeps its rows.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback, Stale
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain.auth import Action
from bot.domain.recognition import (
    Nomination,
    RatingComment,
)
from bot.services.recognition import (
    Advanced,
    BallotRefused,
    CommentTaken,
    Problem,
    Rated,
    Refused,
    RoundOpened,
)
from bot.texts import to_plain
from bot.views import recognition as view
from handlers.common import (
    answer_stale,
    lang_of,
    notify,
    pressed,
    query_of,
    reply,
    send,
    toast,
    tr,
    typed_step,
    who,
)

JOB_NAME = "recognition.tick"
TICK_SECONDS = 60.0


def _args(update: Update) -> list[str]:
    message = update.effective_message
    return ((message.text if message else None) or "").split()[1:]


async def _edit(update: Update, text: str, markup: InlineKeyboardMarkup | None) -> None:
    query = update.callback_query
    assert query is not None
    # The ballot's tick or receipt is the voter's only sign the press counted: an edit that
    # failed on a server error (already retried once below us) is tried once more — an edit
    # is idempotent, so a repeat of one that did arrive changes nothing.
    for last in (False, True):
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:  # the same text again (a double press) is not an error
            if "not modified" not in str(exc):
                raise
            return
        except NetworkError:
            if last:
                raise


async def _alert(update: Update, context: BanzuContext, key: str, **values: object) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(toast(update, context, key, **values), show_alert=True)


# ------------------------------------------------------------------ campaigns


async def awards_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    out = await svc.recognition.campaign_list(ident.actor)
    await send(context, ident.actor.tg_user_id, *view.campaigns(out, svc.texts, lang_of(update)))


async def award_new_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.new_campaign(ident.actor, _args(update))
    await send(
        context, ident.actor.tg_user_id, view.campaign_created(out, svc.texts, lang_of(update))
    )


async def admin_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.AdminPress)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    chat = query.message.chat.id if query.message else ident.actor.tg_user_id
    out = await svc.recognition.admin_press(
        ident.actor, press.campaign, press.action, svc.clock.now()
    )
    if isinstance(out, Refused) and out.problem is Problem.FORBIDDEN:
        await _alert(update, context, "common.no_permission")
        return
    await query.answer()
    answer = view.admin_answer(press.action, out, svc.settings.tz, svc.texts, lang_of(update))
    await send(context, chat, *answer)
    if isinstance(out, Advanced):
        await _after_advance(context, out)


async def _after_advance(context: BanzuContext, out: Advanced) -> None:
    """The vote's opening reminds those who may vote, its close publishes."""
    if out.vote_closed:
        await publish_results(context, out.campaign.id)
    if out.vote_opened:
        await remind(context, force_day=True)


async def short_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.ShortlistPress)
    if press is None:
        return
    query, svc, ident = query_of(update), context.svc, await who(update, context)
    out = await svc.recognition.shortlist(ident.actor, press.campaign, press.nominee)
    if isinstance(out, Refused):
        await query.answer(to_plain(view.refused(out, svc.texts, lang_of(update))), show_alert=True)
        return
    toast_text, text, markup = view.shortlisted(out, svc.texts, lang_of(update))
    await query.answer(toast_text)
    await _edit(update, text, markup)


# ------------------------------------------------------------------ nominations


async def nominate_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    campaigns = await svc.recognition.open_for_nomination(ident.actor)
    if not campaigns:
        await reply(update, context, "recognition.nominate.none")
        return
    markup = view.choose_campaign(
        campaigns, view.NominatePress, "recognition.btn.nominate", svc.texts, lang
    )
    await reply(update, context, "recognition.nominate.choose", markup=markup)


async def nom_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.NominatePress)
    if press is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.begin_nomination(ident.actor, press.campaign)
    if isinstance(out, Refused):
        await _alert(update, context, "recognition.problem.wrong_stage")
        return
    await query_of(update).answer()
    await send(context, ident.actor.tg_user_id, *view.ask_nominee(out, svc.texts, lang_of(update)))


async def place_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.PlacePress)
    if press is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.pick_place(ident.actor, press.campaign, press.place)
    if isinstance(out, Refused):
        await _alert(update, context, "common.stale_button")
        return
    await query_of(update).answer()
    await send(context, ident.actor.tg_user_id, view.ask_reason(out, svc.texts, lang_of(update)))


async def nominate_step(update: Update, context: BanzuContext, n: Nomination) -> None:
    ident, svc = await who(update, context), context.svc
    text = (update.message.text if update.message else None) or ""
    out = await svc.recognition.nomination_text(ident.actor, n, text)
    answer = view.nomination_reply(out, svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, answer)


# ------------------------------------------------------------------ voting


async def vote_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    open_ = await svc.recognition.open_for_vote(ident.actor)
    if not open_:
        await reply(update, context, "recognition.vote.none")
        return
    markup = view.vote_choice(open_, svc.texts, lang_of(update))
    await reply(update, context, "recognition.vote.choose", markup=markup)


async def open_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.OpenBallot)
    if press is None:
        return
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.recognition.new_ballot(ident.actor, press.campaign)
    if isinstance(out, Refused):
        await query_of(update).answer(view.open_refused(out, svc.texts, lang), show_alert=True)
        return
    await query_of(update).answer()
    await send(context, ident.actor.tg_user_id, *view.ballot(out, svc.settings.tz, svc.texts, lang))


async def ballot_pressed(update: Update, context: BanzuContext) -> None:
    query, svc, lang = query_of(update), context.svc, lang_of(update)
    press = view.ballot_press(query.data)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    ident, move = await who(update, context), view.ballot_move(press)
    position = press.position if isinstance(press, view.BallotPick) else 0
    out = await svc.recognition.press_ballot(
        ident.actor, press.campaign, press.token, move, press.draft, position
    )
    if isinstance(out, BallotRefused):
        await query.answer(view.ballot_refused(out, svc.texts, lang), show_alert=True)
        return
    await query.answer()
    await _edit(update, *view.pressed_ballot(out, svc.settings.tz, svc.texts, lang))


# ------------------------------------------------------------------ results and reminders


async def publish_results(context: BanzuContext, campaign_id: int) -> None:
    """Results with counts to every bound team group in scope and to reachable admins,
    through the outbox, once per chat."""
    svc = context.svc
    pub = await svc.recognition.publication(campaign_id)
    if pub is None:
        return
    text = view.results(pub.closed, svc.texts, svc.settings.language)
    for chat in pub.chats:
        await notify(
            context, chat, text, purpose="award_results", key=f"award:results:{campaign_id}:{chat}"
        )


async def remind(context: BanzuContext, force_day: bool = False) -> int:
    """Private reminders to those who have not voted or rated: at most one per person per
    subject per local day, never between 20:00 and 09:00; names go nowhere else."""
    svc, lang, sent = context.svc, context.svc.settings.language, 0
    for due in await svc.recognition.reminders_due(svc.clock.now(), force_day):
        text, markup = view.due_reminder(due, svc.settings.tz, svc.texts, lang)
        for member, chat in due.people:
            key = due.key(member)
            await notify(context, chat, text, purpose=due.purpose, key=key, markup=markup)
        await svc.recognition.record_reminders(due.subject, [m for m, _ in due.people], due.day)
        sent += len(due.people)
    return sent


async def tick_job(context: BanzuContext) -> None:
    svc, now = context.svc, context.svc.clock.now()
    for cid in await svc.recognition.close_due(now):
        await publish_results(context, cid)
    for rid in await svc.recognition.rounds_due(now):
        await svc.recognition.close_round(rid, now)
    await remind(context)


# ------------------------------------------------------------------ 民主评议


async def rating_new_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.start_round(ident.actor, _args(update), svc.clock.now())
    text = view.round_started(out, svc.settings.tz, svc.texts, lang_of(update))
    await send(context, ident.actor.tg_user_id, text)
    if isinstance(out, RoundOpened):
        await remind(context, force_day=True)


async def rate_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    out = await svc.recognition.my_ratees(ident.actor)
    if out is None:
        await reply(update, context, "recognition.rating.none")
        return
    await send(context, ident.actor.tg_user_id, *view.next_ratees(out, svc.texts, lang_of(update)))


async def ratee_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.RateePress)
    if press is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.choose_ratee(ident.actor, press.round, press.ratee)
    if isinstance(out, Rated):
        await _alert(update, context, f"recognition.rating.{out.value}")
        return
    await query_of(update).answer()
    await send(
        context, ident.actor.tg_user_id, *view.grades(press.round, out, svc.texts, lang_of(update))
    )


async def grade_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.GradePress)
    if press is None:
        return
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.grade(ident.actor, press.round, press.ratee, press.grade)
    if isinstance(out, Rated):
        await _alert(update, context, f"recognition.rating.{out.value}")
        return
    await query_of(update).answer()
    await _edit(update, *view.ask_comment(press.round, out, svc.texts, lang_of(update)))


async def comment_step(update: Update, context: BanzuContext, rc: RatingComment) -> None:
    ident, svc = await who(update, context), context.svc
    text = (update.message.text if update.message else None) or ""
    out = await svc.recognition.leave_comment(ident.actor, rc, text)
    if isinstance(out, Problem):
        await reply(update, context, f"recognition.problem.{out.value}", detail=len(text))
        return
    key = "recognition.rating.closed" if out.closed else "recognition.rating.comment_saved"
    await reply(update, context, key)
    await _next_ratee(update, context, out)


async def skip_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.SkipComment)
    if press is None:
        return
    out = await context.svc.recognition.skip_comment(
        (await who(update, context)).actor, press.ratee
    )
    if out is None:
        await answer_stale(update, context)
        return
    await query_of(update).answer()
    await _edit(update, tr(update, context, "recognition.rating.done"), None)
    await _next_ratee(update, context, out)


async def _next_ratee(update: Update, context: BanzuContext, out: CommentTaken) -> None:
    if out.next is not None:
        svc, user = context.svc, (await who(update, context)).actor.tg_user_id
        await send(context, user, *view.next_ratees(out.next, svc.texts, lang_of(update)))


async def ratings_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc = await who(update, context), context.svc
    out = await svc.recognition.latest_round(ident.actor)
    await send(context, ident.actor.tg_user_id, *view.latest_round(out, svc.texts, lang_of(update)))


async def round_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.RoundPress)
    if press is None:
        return
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    out = await svc.recognition.close_round_now(ident.actor, press.round, svc.clock.now())
    if isinstance(out, Refused):
        await query_of(update).answer(view.press_refused(out, svc.texts, lang), show_alert=True)
        return
    await query_of(update).answer()
    await _edit(update, *view.closed_round(out, svc.texts, lang))


def register(app: BanzuApp) -> None:
    svc: Services = app.bot_data.services
    svc.commands += [
        CommandInfo("awards", "recognition.cmd.awards"),
        CommandInfo("nominate", "recognition.cmd.nominate"),
        CommandInfo("vote", "recognition.cmd.vote"),
        CommandInfo("rate", "recognition.cmd.rate"),
        CommandInfo("award_new", "recognition.cmd.award_new", Action.MANAGE_AWARDS),
        CommandInfo("rating_new", "recognition.cmd.rating_new", Action.MANAGE_AWARDS),
        CommandInfo("ratings", "recognition.cmd.ratings", Action.MANAGE_AWARDS),
    ]
    private = filters.ChatType.PRIVATE
    for name, fn in [
        ("awards", awards_cmd),
        ("award_new", award_new_cmd),
        ("nominate", nominate_cmd),
        ("vote", vote_cmd),
        ("rate", rate_cmd),
        ("rating_new", rating_new_cmd),
        ("ratings", ratings_cmd),
    ]:
        app.add_handler(CommandHandler(name, fn, private))
    kind: type[Callback]
    for kind, on_press in [
        (view.AdminPress, admin_pressed),
        (view.ShortlistPress, short_pressed),
        (view.NominatePress, nom_pressed),
        (view.PlacePress, place_pressed),
        (view.OpenBallot, open_pressed),
        (view.BallotPick, ballot_pressed),  # and BallotAct: one namespace
        (view.RateePress, ratee_pressed),
        (view.GradePress, grade_pressed),
        (view.SkipComment, skip_pressed),
        (view.RoundPress, round_pressed),
    ]:
        app.add_handler(CallbackQueryHandler(on_press, pattern=kind.pattern()))
    svc.flows[Nomination.flow] = typed_step(Nomination, nominate_step)
    svc.flows[RatingComment.flow] = typed_step(RatingComment, comment_step)
    if app.job_queue is not None:
        app.job_queue.run_repeating(tick_job, interval=TICK_SECONDS, first=5.0, name=JOB_NAME)
