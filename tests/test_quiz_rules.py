"""Pure quiz rules: item checks (Telegram's poll limits), answers, drawing by topic proportion
without repeats, the daily cap, challenge steps, team ranking; the starter bank and the
importer on the held-out set."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain import quiz as q
from bot.domain.quiz_bank import BankFileError, load_bank, parse_file, rows_of
from bot.paths import DATA

HELDOUT = Path(__file__).parent / "data" / "quiz" / "heldout.csv"


def item(**kw: object) -> q.Item:
    base: dict[str, object] = dict(
        code="t-1", kind=q.Kind.SINGLE, stem="题干", options=("甲", "乙", "丙"), answer=(1,),
        explanation="因为", topic="安全生产",
    )  # fmt: skip
    base.update(kw)
    return q.Item(**base)  # type: ignore[arg-type]


def test_check_item_follows_telegram_poll_limits() -> None:
    assert q.check_item(item()) == []
    assert "stem_long" in q.check_item(item(stem="安" * 301))
    assert q.check_item(item(stem="安" * 300)) == []
    assert "option_long" in q.check_item(item(options=("甲" * 101, "乙")))
    assert "options_count" in q.check_item(item(options=("甲",), answer=(0,)))
    assert "explanation_long" in q.check_item(item(explanation="解" * 201))
    assert "explanation_lines" in q.check_item(item(explanation="一\n二\n三\n四"))
    assert q.check_item(item(explanation="一\n二\n三")) == []
    assert "answer" in q.check_item(item(answer=(5,)))
    assert "answer" in q.check_item(item(kind=q.Kind.MULTIPLE, answer=(1,)))
    assert "judge_options" in q.check_item(item(kind=q.Kind.JUDGE, answer=(0,)))
    assert "option_repeated" in q.check_item(item(options=("甲", "甲")))


def test_parse_answer_reads_what_training_files_write() -> None:
    assert q.parse_answer("B", None, 4) == (q.Kind.SINGLE, (1,))
    assert q.parse_answer("a, c，d", None, 4) == (q.Kind.MULTIPLE, (0, 2, 3))
    assert q.parse_answer("对", None, 0) == (q.Kind.JUDGE, (0,))
    assert q.parse_answer("×", None, 2) == (q.Kind.JUDGE, (1,))
    for bad in ("E", "", "AA", "对错"):
        with pytest.raises(ValueError):
            q.parse_answer(bad, None, 4)
    with pytest.raises(ValueError):
        q.parse_answer("AB", q.Kind.SINGLE, 4)


def test_allocate_is_proportional_and_exact() -> None:
    assert q.allocate({"安全生产": 22, "规章制度": 15, "形势任务": 10}, 10) == {
        "安全生产": 5, "规章制度": 3, "形势任务": 2,
    }  # fmt: skip
    assert sum(q.allocate({"a": 1, "b": 1, "c": 1}, 2).values()) == 2
    assert q.allocate({"a": 2}, 5) == {"a": 2}


def test_draw_never_repeats_until_the_bank_is_used() -> None:
    bank = [q.Candidate(i, "安全生产" if i < 6 else "规章制度") for i in range(10)]
    rng = random.Random(7)
    used: Counter[int] = Counter()
    first = q.draw(bank, used, 4, rng)
    used.update(first)
    second = q.draw(bank, used, 4, rng)
    used.update(second)
    assert not set(first) & set(second)
    third = q.draw(bank, used, 4, rng)  # 2 fresh ones left, then the cycle starts again
    assert len(set(third)) == 4 and {i for i in range(10) if used[i] == 0} <= set(third)
    assert q.draw(bank, {}, 3, rng, topic="规章制度") and all(
        i >= 6 for i in q.draw(bank, {}, 3, rng, topic="规章制度")
    )
    assert q.draw(bank, {}, 0, rng) == [] and q.draw([], {}, 3, rng) == []


def test_draw_keeps_topic_proportion_over_many_exams() -> None:
    bank = [q.Candidate(i, t) for i, t in enumerate(["a"] * 20 + ["b"] * 10 + ["c"] * 10)]
    picked = q.draw(bank, {}, 8, random.Random(1))
    topics = Counter(bank[i].topic for i in picked)
    assert topics == {"a": 4, "b": 2, "c": 2}


def test_award_caps_points_per_day() -> None:
    assert q.award(1, 0, 10) == 1
    assert q.award(2, 9, 10) == 1
    assert q.award(1, 10, 10) == 0
    assert q.points_for(3) == 2 and q.points_for(1) == 1


def test_late_and_expired_use_the_timer_and_a_small_grace() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert not q.is_late(t + timedelta(seconds=31), t, 30)
    assert q.is_late(t + timedelta(seconds=30) + q.LATE_GRACE + timedelta(seconds=1), t, 30)
    assert q.expired(t, 30, t + timedelta(seconds=40))


def test_challenge_stops_at_first_wrong_exam_goes_on() -> None:
    assert q.next_step(q.Mode.CHALLENGE, 2, 30, False).finish
    assert q.next_step(q.Mode.CHALLENGE, 2, 30, None).finish
    assert q.next_step(q.Mode.CHALLENGE, 2, 30, True) == q.Step(False, 3)
    assert q.next_step(q.Mode.EXAM, 2, 10, False) == q.Step(False, 3)
    assert q.next_step(q.Mode.EXAM, 9, 10, True).finish


def test_rank_teams_per_member_then_participation() -> None:
    big = q.TeamScore(1, "大班", 30, 10, 30, 40, 30)
    small = q.TeamScore(2, "小班", 5, 5, 10, 10, 8)
    idle = q.TeamScore(3, "闲班", 5, 0, 0, 0, 0)
    assert [t.name for t in q.rank_teams([big, idle, small])] == ["小班", "大班", "闲班"]


def test_starter_bank_is_valid_sourced_and_covers_kinds_and_topics() -> None:
    bank = load_bank(DATA / "quiz")
    assert len(bank) >= 40
    assert {i.kind for i in bank} == set(q.Kind)
    assert {i.topic for i in bank} == set(q.TOPICS)
    assert all(i.source for i in bank) and all(i.explanation for i in bank)
    assert len({i.code for i in bank}) == len(bank)


def test_heldout_bank_imports_whole_from_gbk() -> None:
    data = HELDOUT.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    parsed = parse_file(data, "heldout.csv")
    assert parsed.ok and len(parsed.items) == 12 and not parsed.errors
    kinds = Counter(i.kind for i in parsed.items)
    assert kinds[q.Kind.JUDGE] == 2 and kinds[q.Kind.MULTIPLE] == 1
    starter = {i.stem for i in load_bank(DATA / "quiz")}
    assert not starter & {i.stem for i in parsed.items}  # held out: not in the bank
    # Round trip through the spreadsheet shape.
    buf = io.StringIO()
    csv.writer(buf).writerows(rows_of(parsed.items))
    again = parse_file(buf.getvalue().encode("utf-8"), "again.csv")
    assert [i.stem for i in again.items] == [i.stem for i in parsed.items]
    assert [i.answer for i in again.items] == [i.answer for i in parsed.items]


def test_bad_rows_reject_the_whole_file_with_row_numbers() -> None:
    rows = HELDOUT.read_bytes().decode("gb18030").splitlines()
    bad = [
        rows[0],
        rows[1],
        "太长" * 151 + ",甲,乙,,,A,,安全生产,中",
        "哪个对？,甲,乙,丙,丁,E,,安全生产,中",
        "无分类的题,甲,乙,,,A,,,中",
        rows[1],  # the first question again
        "难度不对,甲,乙,,,B,解析,规章制度,极难",
    ]
    parsed = parse_file("\n".join(bad).encode("gbk"), "bad.csv")
    assert not parsed.ok and parsed.items == []
    by_row = {e.row: e for e in parsed.errors}
    assert set(by_row) == {3, 4, 5, 6, 7}
    assert "stem_long" in by_row[3].problems
    assert "answer" in by_row[4].problems
    assert "topic" in by_row[5].problems
    assert by_row[6].other_row == 2
    assert "difficulty" in by_row[7].problems


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "x.csv", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "x.xls", "xls"),
        (b"PK\x03\x04broken", "x.xlsx", "bad_xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "x.png", "not_a_table"),
        ("单位,班组,工号,姓名\n一车间,甲班,1,张三".encode(), "roster.csv", "no_header"),
    ],
)
def test_unreadable_files_say_why(data: bytes, name: str, code: str) -> None:
    with pytest.raises(BankFileError) as info:
        parse_file(data, name)
    found = info.value.table.code if info.value.table is not None else info.value.code
    assert found == code
