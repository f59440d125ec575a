"""Chinese clock times: the spoken forms, their part of the day, and what is refused."""

from __future__ import annotations

from datetime import time

import pytest

from scheduler.cn_time import TimeSyntaxError, find_times, normalise_times, parse_clock


@pytest.mark.parametrize(
    ("text", "hh", "mm"),
    [
        ("15:00", 15, 0),
        ("８：３０", 8, 30),
        ("15点", 15, 0),
        ("15点半", 15, 30),
        ("15点整", 15, 0),
        ("15点05分", 15, 5),
        ("15点5", 15, 5),
        ("9时30分", 9, 30),
        ("下午3点", 15, 0),
        ("下午3点半", 15, 30),
        ("下午 3:30", 15, 30),
        ("下午12点", 12, 0),
        ("下午15点", 15, 0),
        ("傍晚6点", 18, 0),
        ("晚上8点", 20, 0),
        ("晚上12点", 0, 0),
        ("晚上1点", 1, 0),
        ("早上7点半", 7, 30),
        ("早晨6点一刻", 6, 15),
        ("上午10点三刻", 10, 45),
        ("上午十点", 10, 0),
        ("中午12点", 12, 0),
        ("中午1点", 13, 0),
        ("凌晨2点", 2, 0),
        ("凌晨12点", 0, 0),
        ("夜里11点", 23, 0),
        ("夜里2点", 2, 0),
        ("深夜十二点", 0, 0),
        ("三点一刻", 3, 15),
        ("两点", 2, 0),
        ("下午两点半", 14, 30),
        ("十五点三十分", 15, 30),
        ("二十三点五十九分", 23, 59),
        ("24点", 0, 0),
        ("24:00", 0, 0),
        ("0点", 0, 0),
    ],
)
def test_spoken_times(text: str, hh: int, mm: int) -> None:
    assert parse_clock(text) == time(hh, mm)


@pytest.mark.parametrize(
    "text",
    [
        "25点",
        "8点61分",
        "上午13点",
        "中午5点",
        "下午0点",
        "24:30",
        "8:7",
        "下午",
        "三",
        "15",
        "",
        "明天",
    ],
)
def test_impossible_times_refused(text: str) -> None:
    with pytest.raises(TimeSyntaxError) as err:
        parse_clock(text)
    assert err.value.value == text.strip()


def test_normalise_rewrites_each_time_and_nothing_else() -> None:
    assert normalise_times("每周二下午3点") == "每周二 15:00"
    assert normalise_times("每周二 下午3点") == "每周二 15:00"
    assert normalise_times("每周一、周四 8点半") == "每周一、周四 08:30"
    assert normalise_times("每3天 早上7点半 从 2026-11-01") == "每3天 07:30 从 2026-11-01"
    assert normalise_times("一次 2026-12-31 下午4点") == "一次 2026-12-31 16:00"
    assert normalise_times("每年 06-28、12-28 16:00") == "每年 06-28、12-28 16:00"
    assert (
        normalise_times("轮班 早早中中夜夜休休 起始 2026-11-01 提前 30分钟 早班 7点半")
        == "轮班 早早中中夜夜休休 起始 2026-11-01 提前 30分钟 早班 07:30"
    )
    # a weekday numeral next to a time is not part of it
    assert normalise_times("每周二三点") == "每周二 03:00"
    assert normalise_times("提前1小时") == "提前1小时"


def test_find_times_positions() -> None:
    text = "周二下午3点和晚上8点"
    found = find_times(text)
    assert [(text[a:b], t) for a, b, t in found] == [
        ("下午3点", time(15, 0)),
        ("晚上8点", time(20, 0)),
    ]


def test_normalise_refuses_a_bad_time_inside_a_rule() -> None:
    with pytest.raises(TimeSyntaxError) as err:
        normalise_times("每周二 上午13点")
    assert err.value.value == "上午13点"
