"""评先树优 and 民主评议 in chat: /awards /award_new /nominate /vote /rate /rating_new /ratings.

Ballots and ratings are answered only in the person's private chat (direct replies and
edits of their own message); nothing of them goes through the outbox, which keeps its rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.callbacks import Callback, Stale
from bot.context import BanzuApp, BanzuContext, CommandInfo, Services
from bot.domain import recognition as rules
from bot.domain.auth import Action, can
from bot.domain.recognition import (
    CommentStep,
    NominateStep,
    Nomination,
    NomineeKind,
    RatingComment,
    Stage,
)
from bot.services.recognition import (
    Ballot,
    Cast,
    Closed,
    Nominated,
    NomineeFound,
    Rated,
    Ratee,
    Refused,
)
from bot.texts import Html, to_plain
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


async def _put(update: Update, context: BanzuContext, state: Nomination | RatingComment) -> None:
    user = update.effective_user
    assert user is not None
    await context.svc.conversations.put(user.id, user.id, state)


async def _end(update: Update, context: BanzuContext) -> None:
    user = update.effective_user
    assert user is not None
    await context.svc.conversations.clear(user.id, user.id)


async def _alert(update: Update, context: BanzuContext, key: str, **values: object) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(toast(update, context, key, **values), show_alert=True)


# ------------------------------------------------------------------ campaigns


async def awards_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if not ident.registered:
        await reply(update, context, "common.not_registered")
        return
    admin = can(ident.actor, Action.MANAGE_AWARDS)
    campaigns = await (svc.recognition.all() if admin else svc.recognition.live())
    text, markup = view.campaign_list(campaigns, admin, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def award_new_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang, args = await who(update, context), context.svc, lang_of(update), _args(update)
    if not can(ident.actor, Action.MANAGE_AWARDS):
        await reply(update, context, "common.no_permission")
        return
    if len(args) < 2:
        await reply(update, context, "recognition.campaign.usage_new")
        return
    rest = args[2:]
    quota = next((a for a in rest if a.isdigit()), None)
    unit = next((a for a in rest if not a.isdigit()), None)
    out = await svc.recognition.create(ident.actor, args[0], args[1], quota, unit)
    if isinstance(out, Refused):
        await reply(update, context, f"recognition.problem.{out.problem.value}", detail=out.detail)
        return
    text = svc.texts.get(
        "recognition.campaign.created", lang, **view.names(out.campaign, svc.texts, lang)
    )
    await send(context, ident.actor.tg_user_id, text)


async def admin_pressed(update: Update, context: BanzuContext) -> None:
    press = await pressed(update, context, view.AdminPress)
    if press is None:
        return
    ident, query = await who(update, context), query_of(update)
    if not can(ident.actor, Action.MANAGE_AWARDS):
        await _alert(update, context, "common.no_permission")
        return
    chat = query.message.chat.id if query.message else ident.actor.tg_user_id
    await query.answer()
    if press.action in view.SHOW_ACTS:
        await _SHOWS[press.action](update, context, press.campaign, chat)
    else:
        await _advance(update, context, press, chat)


async def _advance(
    update: Update, context: BanzuContext, press: view.AdminPress, chat: int
) -> None:
    """One stage on; the vote's opening reminds those who may vote, its close publishes."""
    svc, lang, ident = context.svc, lang_of(update), await who(update, context)
    frm = view.ADVANCE_FROM[press.action]
    out = await svc.recognition.advance(ident.actor, press.campaign, frm, svc.clock.now())
    if isinstance(out, Refused):
        await send(context, chat, view.refused(out, svc.texts, lang))
        return
    await send(context, chat, view.advanced(out, svc.settings.tz, svc.texts, lang))
    if out.campaign.stage is Stage.CLOSED:
        await publish_results(context, press.campaign)
    if out.campaign.stage is Stage.VOTE:
        await remind(context, force_day=True)


async def _list(update: Update, context: BanzuContext, cid: int, chat: int) -> None:
    svc, ident = context.svc, await who(update, context)
    r = await svc.recognition.review_list(ident.actor, cid)
    if isinstance(r, Refused):
        await send(context, chat, tr(update, context, "recognition.problem.no_campaign"))
        return
    await send(context, chat, *view.review(r.campaign, r.entries, svc.texts, lang_of(update)))


async def _turnout(update: Update, context: BanzuContext, cid: int, chat: int) -> None:
    svc, ident = context.svc, await who(update, context)
    t = await svc.recognition.turnout(ident.actor, cid)
    await send(context, chat, view.turnout(t, svc.texts, lang_of(update)))


async def _results(update: Update, context: BanzuContext, cid: int, chat: int) -> None:
    r = await context.svc.recognition.closed(cid)
    await send(context, chat, view.closed(r, context.svc.texts, lang_of(update)))


_SHOWS: dict[view.AdminAct, Callable[[Update, BanzuContext, int, int], Awaitable[None]]] = {
    view.AdminAct.LIST: _list,
    view.AdminAct.TURNOUT: _turnout,
    view.AdminAct.RESULTS: _results,
}


async def short_pressed(update: Update, context: BanzuContext) -> None:
    svc, lang = context.svc, lang_of(update)
    press = await pressed(update, context, view.ShortlistPress)
    if press is None:
        return
    query, ident = query_of(update), await who(update, context)
    out = await svc.recognition.toggle_shortlist(ident.actor, press.campaign, press.nominee)
    if isinstance(out, Refused):
        await query.answer(to_plain(view.refused(out, svc.texts, lang)), show_alert=True)
        return
    r = await svc.recognition.review_list(ident.actor, press.campaign)
    assert not isinstance(r, Refused)
    await query.answer(view.toggled(r, press.nominee, out, svc.texts, lang))
    await _edit(update, *view.review(r.campaign, r.entries, svc.texts, lang))


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
    svc = context.svc
    lang = lang_of(update)
    press = await pressed(update, context, view.NominatePress)
    if press is None:
        return
    query, ident = query_of(update), await who(update, context)
    c = await svc.recognition.campaign(press.campaign)
    if c is None or not await svc.recognition.may_nominate(ident.actor, c):
        await _alert(update, context, "recognition.problem.wrong_stage")
        return
    await query.answer()
    user = ident.actor.tg_user_id
    if c.kind is NomineeKind.MEMBER:
        await _put(update, context, Nomination(NominateStep.NOMINEE, c.id))
        await send(
            context,
            user,
            tr(
                update, context, "recognition.nominate.ask_member", **view.names(c, svc.texts, lang)
            ),
        )
        return
    markup = view.places(c, await svc.recognition.places(c))
    await send(
        context,
        user,
        tr(update, context, "recognition.nominate.ask_place", **view.names(c, svc.texts, lang)),
        markup,
    )


async def place_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    press = await pressed(update, context, view.PlacePress)
    if press is None:
        return
    query, ident = query_of(update), await who(update, context)
    c = await svc.recognition.campaign(press.campaign)
    options = dict(await svc.recognition.places(c)) if c else {}
    pid = press.place
    if c is None or pid not in options or not await svc.recognition.may_nominate(ident.actor, c):
        await _alert(update, context, "common.stale_button")
        return
    await query.answer()
    user = ident.actor.tg_user_id
    await _put(update, context, Nomination(NominateStep.REASON, c.id, pid, options[pid]))
    await send(
        context, user, tr(update, context, "recognition.nominate.ask_reason", name=options[pid])
    )


async def nominate_step(update: Update, context: BanzuContext, n: Nomination) -> None:
    svc, lang, ident = context.svc, lang_of(update), await who(update, context)
    text = (update.message.text if update.message else None) or ""
    c = await svc.recognition.campaign(n.cid)
    if c is None:
        await _end(update, context)
        await reply(update, context, "recognition.problem.no_campaign")
        return
    if n.step is NominateStep.NOMINEE:
        found = await svc.recognition.find_nominee(ident.actor, c, text)
        if isinstance(found, Refused):
            await reply(
                update, context, f"recognition.problem.{found.problem.value}", detail=found.detail
            )
            return
        await _ask_reason(update, context, n, found)
        return
    out = await svc.recognition.nominate(ident.actor, c.id, n.nid, text)
    if isinstance(out, Refused):
        await reply(update, context, f"recognition.problem.{out.problem.value}", detail=out.detail)
        return
    await _end(update, context)
    await _nominated(update, context, out, lang)


async def _ask_reason(
    update: Update, context: BanzuContext, n: Nomination, found: NomineeFound
) -> None:
    await _put(
        update, context, replace(n, step=NominateStep.REASON, nid=found.nominee_id, name=found.name)
    )
    await reply(update, context, "recognition.nominate.ask_reason", name=found.name)


async def _nominated(update: Update, context: BanzuContext, out: Nominated, lang: str) -> None:
    svc = context.svc
    nid = next(
        (
            n.nominee_id
            for n in await svc.recognition.nominees(out.campaign.id)
            if n.name == out.name
        ),
        None,
    )
    ev = await svc.recognition.evidence(out.campaign, nid) if nid is not None else None
    evidence = view.evidence_line(ev, out.campaign.period, svc.texts, lang) if ev else ""
    key = "recognition.nominate.saved" if out.new else "recognition.nominate.updated"
    values = view.names(out.campaign, svc.texts, lang)
    text = svc.texts.get(key, lang, name=out.name, evidence=Html(evidence), **values)
    await send(context, update.effective_user.id if update.effective_user else 0, text)


# ------------------------------------------------------------------ voting


async def vote_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    open_ = await svc.recognition.open_for_vote(ident.actor)
    if not open_:
        await reply(update, context, "recognition.vote.none")
        return
    voted = {c.id for c, done in open_ if done}
    markup = view.choose_campaign(
        [c for c, _ in open_], view.OpenBallot, "recognition.btn.go_vote", svc.texts, lang, voted
    )
    await reply(update, context, "recognition.vote.choose", markup=markup)


async def open_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    lang = lang_of(update)
    press = await pressed(update, context, view.OpenBallot)
    if press is None:
        return
    query, ident = query_of(update), await who(update, context)
    out = await svc.recognition.new_ballot(ident.actor, press.campaign)
    if isinstance(out, Refused):
        key = (
            "recognition.vote.already"
            if out.detail == "voted"
            else f"recognition.problem.{out.problem.value}"
        )
        await _alert(update, context, key, detail=out.detail)
        return
    await query.answer()
    await send(context, ident.actor.tg_user_id, *view.ballot(out, svc.settings.tz, svc.texts, lang))


async def ballot_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    lang = lang_of(update)
    query = query_of(update)
    press = view.ballot_press(query.data)
    if isinstance(press, Stale):
        await answer_stale(update, context)
        return
    as_cast = isinstance(press, view.BallotAct) and press.op is view.BallotOp.EDIT
    b = await svc.recognition.ballot(press.campaign, press.token, None if as_cast else press.draft)
    if isinstance(b, Refused) or b.campaign.stage is not Stage.VOTE:
        await _alert(update, context, "recognition.vote.closed")
        return
    if isinstance(press, view.BallotAct) and press.op is view.BallotOp.SUBMIT:
        await _cast(update, context, b)
    elif as_cast:
        await query.answer()
        await _edit(update, *view.ballot(b, svc.settings.tz, svc.texts, lang))
    elif isinstance(press, view.BallotPick) and press.position <= len(b.candidates):
        await _toggle(update, context, b, press.position)
    else:
        await _alert(update, context, "common.stale_button")


async def _toggle(update: Update, context: BanzuContext, b: Ballot, position: int) -> None:
    svc, lang, query = context.svc, lang_of(update), update.callback_query
    assert query is not None
    choices, full = rules.toggle(b.choices, position, b.campaign.quota)
    if full:
        await _alert(update, context, "recognition.vote.full", quota=b.campaign.quota)
        return
    await query.answer()
    new = Ballot(b.campaign, b.candidates, choices, b.token, b.cast)
    await _edit(update, *view.ballot(new, svc.settings.tz, svc.texts, lang))


async def _cast(update: Update, context: BanzuContext, b: Ballot) -> None:
    svc, lang, ident = context.svc, lang_of(update), await who(update, context)
    out = await svc.recognition.cast(ident.actor, b.campaign.id, b.token, b.choices)
    if isinstance(out, Refused) or out.ballot is None or isinstance(out.ballot, Refused):
        outcome = out.outcome if not isinstance(out, Refused) else Cast.NOT_ELIGIBLE
        key = {
            Cast.ALREADY: "recognition.vote.already",
            Cast.CLOSED: "recognition.vote.closed",
            Cast.INVALID: "recognition.vote.invalid",
        }.get(outcome, "recognition.problem.not_eligible")
        await _alert(update, context, key)
        return
    assert update.callback_query is not None
    await update.callback_query.answer()
    changed = out.outcome is Cast.CHANGED
    await _edit(update, *view.receipt(out.ballot, changed, svc.settings.tz, svc.texts, lang))


# ------------------------------------------------------------------ results and reminders


async def publish_results(context: BanzuContext, campaign_id: int) -> None:
    """Results with counts to every bound team group in scope and to reachable admins,
    through the outbox, once per chat."""
    svc = context.svc
    r = await svc.recognition.closed(campaign_id)
    if not isinstance(r, Closed):
        return
    text = view.results(r, svc.texts, svc.settings.language)
    chats = await svc.recognition.group_chats(r.campaign.unit_id)
    chats += await svc.people.reachable_admins(svc.settings.admins)
    for chat in dict.fromkeys(chats):
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
    ident, svc, lang, args = await who(update, context), context.svc, lang_of(update), _args(update)
    if not can(ident.actor, Action.MANAGE_AWARDS):
        await reply(update, context, "common.no_permission")
        return
    if not args:
        await reply(update, context, "recognition.rating.usage_new")
        return
    days = next((int(a) for a in args[1:] if a.isdigit()), None)
    unit = next((a for a in args[1:] if not a.isdigit()), None)
    out = await svc.recognition.open_round(
        ident.actor, args[0], unit, context.svc.clock.now(), days
    )
    if isinstance(out, Refused):
        await reply(update, context, f"recognition.problem.{out.problem.value}", detail=out.detail)
        return
    rid, period, leaders = out
    if leaders == 0:
        await svc.recognition.close_round(rid, context.svc.clock.now())
        await reply(update, context, "recognition.rating.no_leaders")
        return
    rnd = await svc.recognition.round(rid)
    assert rnd is not None
    scope = svc.texts.get("recognition.campaign.scope_unit", lang, unit=unit) if unit else ""
    await reply(
        update,
        context,
        "recognition.rating.opened",
        period=rules.period_label(period, lang),
        scope=Html(scope),
        leaders=leaders,
        ends=view.when(rnd.ends_at, svc.settings.tz),
    )
    await remind(context, force_day=True)


async def rate_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if ident.person is None:
        await reply(update, context, "common.not_registered")
        return
    for rnd in await svc.recognition.rounds("open"):
        people = await svc.recognition.ratees(rnd.id, ident.person.member_id)
        if people:
            text, markup = view.ratees(rnd.id, rnd.period, people, svc.texts, lang)
            await send(context, ident.actor.tg_user_id, text, markup)
            return
    await reply(update, context, "recognition.rating.none")


async def _ratee(
    context: BanzuContext, round_id: int | None, ratee_id: int | None, rater: int | None
) -> Ratee | None:
    if round_id is None or ratee_id is None or rater is None:
        return None
    people = await context.svc.recognition.ratees(round_id, rater)
    return next((p for p in people if p.member_id == ratee_id), None)


async def ratee_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    lang = lang_of(update)
    press = await pressed(update, context, view.RateePress)
    if press is None:
        return
    query, ident, rid = query_of(update), await who(update, context), press.round
    ratee = await _ratee(context, rid, press.ratee, ident.actor.member_id)
    if ratee is None:
        await _alert(update, context, "recognition.rating.not_eligible")
        return
    if ratee.done:
        await _alert(update, context, "recognition.rating.already")
        return
    await query.answer()
    await send(context, ident.actor.tg_user_id, *view.grades(rid, ratee, svc.texts, lang))


async def grade_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    lang = lang_of(update)
    press = await pressed(update, context, view.GradePress)
    if press is None:
        return
    query, ident, rid = query_of(update), await who(update, context), press.round
    ratee = await _ratee(context, rid, press.ratee, ident.actor.member_id)
    if ratee is None:
        await _alert(update, context, "recognition.rating.not_eligible")
        return
    outcome = await svc.recognition.rate(ident.actor, rid, ratee.member_id, press.grade)
    if outcome is not Rated.OK:
        await _alert(update, context, f"recognition.rating.{outcome.value}")
        return
    await query.answer()
    # The conversation names only whom the comment is about, never the grade just given.
    await _put(update, context, RatingComment(CommentStep.COMMENT, rid, ratee.member_id))
    await _edit(update, *view.ask_comment(rid, ratee, svc.texts, lang))


async def comment_step(update: Update, context: BanzuContext, rc: RatingComment) -> None:
    svc = context.svc
    text = (update.message.text if update.message else None) or ""
    problem = await svc.recognition.comment(rc.round, rc.ratee, text)
    if problem is not None and problem.value in ("blank", "too_long"):
        await reply(update, context, f"recognition.problem.{problem.value}", detail=len(text))
        return
    await _end(update, context)
    await reply(
        update,
        context,
        "recognition.rating.closed" if problem else "recognition.rating.comment_saved",
    )
    await _next_ratee(update, context, rc.round)


async def skip_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    press = await pressed(update, context, view.SkipComment)
    if press is None:
        return
    query, user = query_of(update), (await who(update, context)).actor.tg_user_id
    rc = await svc.conversations.state(user, user, RatingComment)
    if rc is None or press.ratee != rc.ratee:
        await answer_stale(update, context)
        return
    await svc.conversations.clear(user, user)
    await query.answer()
    await _edit(update, tr(update, context, "recognition.rating.done"), None)
    await _next_ratee(update, context, rc.round)


async def _next_ratee(update: Update, context: BanzuContext, round_id: int) -> None:
    svc, lang, ident = context.svc, lang_of(update), await who(update, context)
    rnd = await svc.recognition.round(round_id)
    if rnd is None or ident.actor.member_id is None or rnd.state != "open":
        return
    people = await svc.recognition.ratees(round_id, ident.actor.member_id)
    text, markup = view.ratees(round_id, rnd.period, people, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def ratings_cmd(update: Update, context: BanzuContext) -> None:
    ident, svc, lang = await who(update, context), context.svc, lang_of(update)
    if not can(ident.actor, Action.MANAGE_AWARDS):
        await reply(update, context, "common.no_permission")
        return
    rounds = await svc.recognition.rounds()
    if not rounds:
        await reply(update, context, "recognition.rating.no_rounds")
        return
    rnd = rounds[0]
    people = await svc.recognition.round_results(rnd.id)
    text, markup = view.round_results(rnd.id, rnd.period, rnd.state, people, svc.texts, lang)
    await send(context, ident.actor.tg_user_id, text, markup)


async def round_pressed(update: Update, context: BanzuContext) -> None:
    svc = context.svc
    lang = lang_of(update)
    press = await pressed(update, context, view.RoundPress)
    if press is None:
        return
    query, ident, rid = query_of(update), await who(update, context), press.round
    if not can(ident.actor, Action.MANAGE_AWARDS):
        await _alert(update, context, "common.no_permission")
        return
    if not await svc.recognition.close_round(rid, context.svc.clock.now()):
        await _alert(update, context, "common.stale_button")
        return
    await query.answer()
    rnd = await svc.recognition.round(rid)
    assert rnd is not None
    people = await svc.recognition.round_results(rid)
    await _edit(update, *view.round_results(rid, rnd.period, rnd.state, people, svc.texts, lang))


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
