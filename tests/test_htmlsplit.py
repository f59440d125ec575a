"""Long notices in HTML split without cutting a tag, an entity or a surrogate pair."""

from __future__ import annotations

import re

from bot.domain.htmlsplit import split_html, visible_length


def _balanced(piece: str) -> bool:
    stack: list[str] = []
    for tag in re.findall(r"<(/?)([a-z-]+)[^>]*>", piece):
        closing, name = tag
        if closing:
            if not stack or stack.pop() != name:
                return False
        else:
            stack.append(name)
    return not stack


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_short_text_is_one_piece() -> None:
    assert split_html("<b>通知</b>", 10) == ["<b>通知</b>"]


def test_tags_spanning_a_cut_are_closed_and_reopened() -> None:
    html = '<b>第一行很长的粗体\n第二行也是粗体</b>后面<a href="http://x/?a=1&amp;b=2">链接文字</a>'
    pieces = split_html(html, 12)
    assert all(_balanced(p) for p in pieces)
    assert all(visible_length(p) <= 12 for p in pieces)
    assert pieces[0].startswith("<b>") and pieces[0].endswith("</b>")
    assert pieces[1].startswith("<b>")
    assert "".join(_text(p) for p in pieces).replace("\n", "") == _text(html).replace("\n", "")
    assert any('<a href="http://x/?a=1&amp;b=2">' in p for p in pieces)


def test_line_breaks_preferred_and_entities_whole() -> None:
    html = "甲乙丙\n" + "&amp;" * 5 + "丁"
    pieces = split_html(html, 4)
    assert pieces[0] == "甲乙丙"
    assert all("&am" not in p.replace("&amp;", "") for p in pieces)
    assert sum(p.count("&amp;") for p in pieces) == 5


def test_limit_counts_utf16_units_and_keeps_emoji_whole() -> None:
    html = "😀" * 5  # each is two UTF-16 units
    pieces = split_html(html, 4)
    assert pieces == ["😀😀", "😀😀", "😀"]


def test_long_real_size_notice() -> None:
    para = "<b>安全生产月</b>活动安排：" + "各班组要认真组织学习。" * 30 + "\n"
    html = para * 40
    pieces = split_html(html)
    assert len(pieces) > 1
    assert all(_balanced(p) and visible_length(p) <= 4096 for p in pieces)
