"""Polls and quizzes, the bot's rights in groups, member administration (README.md)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.emulator import ControlError, Emulator, UploadedFile

from .conftest import ADMIN, GROUP, SUPERGROUP, USER, Api
from .test_methods import PNG

OPTIONS = [{"text": "安全"}, {"text": "质量"}, {"text": "效率"}]


def kinds(world: Emulator) -> list[str]:
    return [v["kind"] for v in world.stats()["spec_violations"]]


# ---------------------------------------------------------------------- polls


async def test_plain_string_options_are_accepted(world: Emulator, api: Api) -> None:
    status, body = await api(
        "sendPoll", chat_id=GROUP, question="学什么？", options=["安全", " 质量 "]
    )
    assert status == 200, body
    assert [o["text"] for o in body["result"]["poll"]["options"]] == ["安全", "质量"]


async def test_quiz_with_correct_option(world: Emulator, api: Api) -> None:
    status, body = await api(
        "sendPoll",
        chat_id=GROUP,
        question="哪项正确？",
        options=OPTIONS,
        type="quiz",
        correct_option_id=1,
        explanation="<b>质量</b>第一",
        explanation_parse_mode="HTML",
        is_anonymous=False,
    )
    assert status == 200, body
    poll = body["result"]["poll"]
    assert poll["type"] == "quiz" and poll["correct_option_ids"] == [1]
    assert poll["explanation"] == "质量第一" and poll["allows_revoting"] is False
    assert kinds(world) == []  # the legacy correct_option_id is read, not unknown
    status, body = await api(
        "sendPoll",
        chat_id=GROUP,
        question="多选",
        options=OPTIONS,
        type="quiz",
        correct_option_ids=[0, 2],
        allows_multiple_answers=True,
    )
    assert status == 200 and body["result"]["poll"]["correct_option_ids"] == [0, 2]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"type": "survey"}, "unsupported poll type specified"),
        ({"type": "quiz"}, "correct quiz option list must be non-empty"),
        ({"type": "quiz", "correct_option_id": 3}, "wrong quiz correct_option_id"),
        ({"type": "quiz", "correct_option_id": -1}, "wrong quiz correct_option_id"),
        (
            {"type": "quiz", "correct_option_ids": [2, 1]},
            "correct quiz option list must be increasing",
        ),
        ({"options": []}, "poll must have at least one answer option"),
        ({"options": [str(i) for i in range(13)]}, "poll can't have more than 12 options"),
        ({"options": ["好", "  "]}, "poll option must be non-empty"),
        ({"options": ["好", "长" * 101]}, "poll options length must not exceed 100"),
        ({"question": "问" * 301}, "poll question length must not exceed 300"),
        ({"question": "  "}, "text must be non-empty"),
        ({"members_only": True}, "poll voters can be restricted only in channel chats"),
        (
            {"type": "quiz", "correct_option_id": 0, "explanation": "释" * 201},
            "explanation is too long",
        ),
    ],
)
async def test_poll_refusals(world: Emulator, api: Api, params: dict[str, Any], words: str) -> None:
    call = {"chat_id": GROUP, "question": "学什么？", "options": OPTIONS, **params}
    status, body = await api("sendPoll", **call)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert len(kinds(world)) == 1


async def test_regular_poll_ignores_correct_option(world: Emulator, api: Api) -> None:
    status, body = await api(
        "sendPoll", chat_id=GROUP, question="q", options=OPTIONS, correct_option_id=7
    )
    assert status == 200 and "correct_option_ids" not in body["result"]["poll"]


async def test_one_option_is_enough_at_api_10(world: Emulator, api: Api) -> None:
    status, _ = await api("sendPoll", chat_id=GROUP, question="到了吗？", options=["到"])
    assert status == 200


async def test_open_period_closes_on_the_clock(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendPoll", chat_id=GROUP, question="q", options=OPTIONS, open_period=60, is_anonymous=False
    )
    poll = body["result"]["poll"]
    assert poll["open_period"] == 60 and poll["close_date"] == int(world.now()) + 60
    world.answer_poll(poll["id"], USER, [0])
    assert world.state.updates[-2]["poll_answer"]["option_ids"] == [0]
    world.advance_clock(60)
    with pytest.raises(ControlError, match="closed"):
        world.answer_poll(poll["id"], USER, [1])
    _, body = await api("stopPoll", chat_id=GROUP, message_id=body["result"]["message_id"])
    assert body["description"] == "Bad Request: poll has already been closed"


async def test_open_period_is_clamped_not_refused(world: Emulator, api: Api) -> None:
    _, body = await api("sendPoll", chat_id=GROUP, question="q", options=OPTIONS, open_period=10**8)
    assert body["result"]["poll"]["open_period"] == 2628000


async def test_quiz_answer_cannot_be_changed(world: Emulator, api: Api) -> None:
    _, body = await api(
        "sendPoll",
        chat_id=GROUP,
        question="q",
        options=OPTIONS,
        type="quiz",
        correct_option_id=0,
        is_anonymous=False,
    )
    poll_id = body["result"]["poll"]["id"]
    world.answer_poll(poll_id, USER, [2])
    with pytest.raises(ControlError, match="revot"):
        world.answer_poll(poll_id, USER, [0])


# ---------------------------------------------------------------------- rights


async def test_restricted_bot_cannot_send(world: Emulator, api: Api) -> None:
    ids = world.set_member(GROUP, world.bot_id, "restricted", permissions={"can_send_polls": True})
    update = world.state.updates[-1]
    assert ids and update["my_chat_member"]["new_chat_member"]["status"] == "restricted"
    assert update["my_chat_member"]["new_chat_member"]["can_send_messages"] is False
    _, body = await api("sendMessage", chat_id=GROUP, text="通知")
    assert body["description"] == "Bad Request: not enough rights to send text messages to the chat"
    _, body = await api("sendDocument", chat_id=GROUP, document=UploadedFile("a.csv", b"a,b\n"))
    assert body["description"] == "Bad Request: not enough rights to send documents to the chat"
    status, _ = await api("sendPoll", chat_id=GROUP, question="q", options=OPTIONS)
    assert status == 200
    assert kinds(world) == ["rights", "rights"]
    _, body = await api("getChatMember", chat_id=GROUP, user_id=world.bot_id)
    assert body["result"]["status"] == "restricted" and body["result"]["can_send_polls"] is True


async def test_group_default_permissions_bind_members(world: Emulator, api: Api) -> None:
    world.set_chat_permissions(GROUP, {"can_send_photos": False})
    _, body = await api("sendPhoto", chat_id=GROUP, photo=UploadedFile("p.png", PNG))
    assert body["description"] == "Bad Request: not enough rights to send photos to the chat"
    _, body = await api("getChat", chat_id=GROUP)
    assert body["result"]["permissions"]["can_send_photos"] is False


async def test_pin_needs_can_pin_messages_and_the_bot_can_learn_it(
    world: Emulator, api: Api
) -> None:
    _, body = await api("sendMessage", chat_id=SUPERGROUP, text="置顶")
    mid = body["result"]["message_id"]
    world.set_member(SUPERGROUP, world.bot_id, "administrator", rights={"can_pin_messages": False})
    change = world.state.updates[-1]["my_chat_member"]["new_chat_member"]
    assert change["status"] == "administrator" and change["can_pin_messages"] is False
    _, member = await api("getChatMember", chat_id=SUPERGROUP, user_id=world.bot_id)
    assert member["result"]["can_pin_messages"] is False
    _, body = await api("pinChatMessage", chat_id=SUPERGROUP, message_id=mid)
    assert (
        body["description"]
        == "Bad Request: not enough rights to manage pinned messages in the chat"
    )
    world.set_member(SUPERGROUP, world.bot_id, "administrator", rights={"can_pin_messages": True})
    assert (await api("pinChatMessage", chat_id=SUPERGROUP, message_id=mid))[0] == 200
    assert kinds(world) == ["rights"]


async def test_members_may_pin_when_the_supergroup_allows_it(world: Emulator, api: Api) -> None:
    world.set_member(SUPERGROUP, world.bot_id, "member")
    _, body = await api("sendMessage", chat_id=SUPERGROUP, text="置顶")
    mid = body["result"]["message_id"]
    assert (await api("pinChatMessage", chat_id=SUPERGROUP, message_id=mid))[0] == 400
    world.set_chat_permissions(SUPERGROUP, {"can_pin_messages": True})
    assert (await api("pinChatMessage", chat_id=SUPERGROUP, message_id=mid))[0] == 200
    world.set_chat_permissions(GROUP, {"can_pin_messages": True})
    _, body = await api("sendMessage", chat_id=GROUP, text="置顶")
    _, body = await api("pinChatMessage", chat_id=GROUP, message_id=body["result"]["message_id"])
    assert body["description"].endswith("not enough rights to manage pinned messages in the chat")


async def test_rights_control_over_http_shape(world: Emulator) -> None:
    status, body = await world.control(
        "POST",
        "/_emu/members",
        {
            "chat_id": SUPERGROUP,
            "user_id": world.bot_id,
            "status": "administrator",
            "rights": {"can_delete_messages": False},
        },
        {},
    )
    assert status == 200 and len(body["update_ids"]) == 1
    status, body = await world.control(
        "POST",
        "/_emu/permissions",
        {"chat_id": GROUP, "permissions": {"can_send_polls": False}},
        {},
    )
    assert status == 200 and body["permissions"]["can_send_polls"] is False
    for bad in (
        {
            "chat_id": GROUP,
            "user_id": USER,
            "status": "member",
            "rights": {"can_pin_messages": True},
        },
        {"chat_id": GROUP, "user_id": USER, "status": "administrator", "rights": {"fly": True}},
        {
            "chat_id": GROUP,
            "user_id": USER,
            "status": "restricted",
            "permissions": {"can_send_messages": 1},
        },
    ):
        assert (await world.control("POST", "/_emu/members", bad, {}))[0] == 400
    assert (
        await world.control("POST", "/_emu/permissions", {"chat_id": USER, "permissions": {}}, {})
    )[0] == 400


async def test_admin_bot_without_delete_right(world: Emulator, api: Api) -> None:
    world.set_member(
        SUPERGROUP, world.bot_id, "administrator", rights={"can_delete_messages": False}
    )
    mid = world.send_message(SUPERGROUP, USER, "广告")["message_id"]
    _, body = await api("deleteMessage", chat_id=SUPERGROUP, message_id=mid)
    assert body["description"] == "Bad Request: message can't be deleted"


# ---------------------------------------------------------------------- member administration


async def test_ban_restrict_promote_in_a_supergroup(world: Emulator, api: Api) -> None:
    assert (
        await api(
            "restrictChatMember",
            chat_id=SUPERGROUP,
            user_id=USER,
            permissions={"can_send_messages": False},
        )
    )[0] == 200
    _, body = await api("getChatMember", chat_id=SUPERGROUP, user_id=USER)
    assert body["result"]["status"] == "restricted"
    assert (await api("banChatMember", chat_id=SUPERGROUP, user_id=USER))[0] == 200
    _, body = await api("getChatMember", chat_id=SUPERGROUP, user_id=USER)
    assert body["result"]["status"] == "kicked"
    assert (await api("unbanChatMember", chat_id=SUPERGROUP, user_id=USER, only_if_banned=True))[
        0
    ] == 200
    _, body = await api("getChatMember", chat_id=SUPERGROUP, user_id=USER)
    assert body["result"]["status"] == "left"
    world.set_member(
        SUPERGROUP,
        world.bot_id,
        "administrator",
        rights={"can_promote_members": True, "can_restrict_members": False},
    )
    world.set_member(SUPERGROUP, USER, "member")
    assert (
        await api("promoteChatMember", chat_id=SUPERGROUP, user_id=USER, can_pin_messages=True)
    )[0] == 200
    _, body = await api("getChatMember", chat_id=SUPERGROUP, user_id=USER)
    assert body["result"]["status"] == "administrator" and body["result"]["can_pin_messages"]
    assert (
        await api("setChatPermissions", chat_id=SUPERGROUP, permissions={"can_send_messages": True})
    )[0] == 400
    assert kinds(world) == ["rights"]  # the bot lost can_restrict_members with its new rights


@pytest.mark.parametrize(
    ("method", "params", "words"),
    [
        ("banChatMember", {"chat_id": GROUP, "user_id": USER}, "CHAT_ADMIN_REQUIRED"),
        ("banChatMember", {"chat_id": USER, "user_id": USER}, "can't ban members in private chats"),
        (
            "banChatMember",
            {"chat_id": SUPERGROUP, "user_id": ADMIN},
            "user is an administrator of the chat",
        ),
        (
            "restrictChatMember",
            {"chat_id": GROUP, "user_id": USER, "permissions": {}},
            "can't restrict users in basic group chats",
        ),
        (
            "promoteChatMember",
            {"chat_id": SUPERGROUP, "user_id": USER, "can_pin_messages": True},
            "not enough rights",
        ),
        (
            "promoteChatMember",
            {"chat_id": SUPERGROUP, "user_id": 7000000001, "can_pin_messages": True},
            "can't promote self",
        ),
        (
            "setChatPermissions",
            {"chat_id": GROUP, "permissions": {}},
            "not enough rights to change chat permissions",
        ),
        (
            "setChatPermissions",
            {"chat_id": USER, "permissions": {}},
            "can't change private chat permissions",
        ),
    ],
)
async def test_member_administration_refusals(
    world: Emulator, api: Api, method: str, params: dict[str, Any], words: str
) -> None:
    status, body = await api(method, **params)
    assert (status, body["description"]) == (400, f"Bad Request: {words}")
    assert kinds(world) == ["rights"]


async def test_supergroup_ban_needs_restrict_right(world: Emulator, api: Api) -> None:
    world.set_member(
        SUPERGROUP, world.bot_id, "administrator", rights={"can_restrict_members": False}
    )
    _, body = await api("banChatMember", chat_id=SUPERGROUP, user_id=USER)
    assert (
        body["description"] == "Bad Request: not enough rights to restrict/unrestrict chat member"
    )
