"""Files and photos go to the flow in progress (#14): registration and /leave say what their step
wants, /suggest attaches photos and refuses an image sent as a file — never the roster import's
"只有管理员可以导入人员名单。", never imported."""

from __future__ import annotations

import io

from PIL import Image

from tests.botfixtures import Harness

WORKER = 100003


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


async def sends(h: Harness, user: int, *, photo: bool = False, name: str = "工牌.jpg") -> str:
    mark = h.mark()
    if photo:
        h.emu.send_photo(user, user, jpeg())
    else:
        h.emu.send_document(user, user, name, jpeg())
    await h.settle()
    return "\n".join(h.sent(user, mark))


def never_an_import(text: str) -> None:
    assert text, "no answer at all"
    assert "只有管理员" not in text and "导入" not in text and "名单预览" not in text, text


async def test_registration_steps_answer_files(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    h.user(WORKER, "陈志强")
    before = await h.svc.org.teams()
    code = await h.invite_code("蒸发一班")
    await h.say(WORKER, WORKER, f"/start {code}")
    for kwargs in ({"photo": True}, {"name": "工牌.jpg"}, {"name": "roster.csv"}):
        text = await sends(h, WORKER, **kwargs)
        never_an_import(text)
        assert "工号" in text, text
    # the step is still waiting: the number registers
    assert any("登记成功" in r for r in await h.say(WORKER, WORKER, "10003"))
    assert await h.svc.org.teams() == before  # nothing imported


async def test_leave_steps_answer_files_and_keep_waiting(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    # /leave (leave asked ahead): its own file step; an image as a file is never an import
    await h.say(WORKER, WORKER, "/leave")
    for kwargs in ({"photo": True}, {"name": "病假条.jpg"}):
        never_an_import(await sends(h, WORKER, **kwargs))
    await h.say(WORKER, WORKER, "/cancel")
    # the 请假 button of a study session asks for the reason in private (flow att_leave)
    await h.svc.conversations.repo.set(WORKER, WORKER, "att_leave", "reason", {"session": None})
    for kwargs in ({"photo": True}, {"name": "病假条.jpg"}):
        text = await sends(h, WORKER, **kwargs)
        never_an_import(text)
        assert "用文字" in text and "病假条" in text
    conv = await h.svc.conversations.get(WORKER, WORKER)
    assert conv is not None and conv.flow == "att_leave"


async def test_suggest_takes_photos_and_refuses_image_files(harness: Harness) -> None:
    h = harness
    await h.import_demo_roster()
    await h.register(WORKER, "10003")
    await h.say(WORKER, WORKER, "/suggest")
    text = await sends(h, WORKER, name="现场照片.jpg")
    never_an_import(text)
    assert "以“文件”方式发送" in text and "不要选" in text
    text = await sends(h, WORKER, name="说明.pdf")
    never_an_import(text)
    assert "只能附照片" in text
    text = await sends(h, WORKER, photo=True)
    assert "已收到照片（共 1 张）" in text
    # a stray file with no flow: a useful answer, not the admins-only import refusal
    await h.say(WORKER, WORKER, "/cancel")
    text = await sends(h, WORKER, name="现场照片.jpg")
    assert "/suggest" in text and "只有管理员可以导入人员名单。" not in text
