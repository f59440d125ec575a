"""A site's worth of data for the thought-trend analysis (tests and bench/trends.py): units,
teams, members, suggestions with topics and keywords over four months, study sessions with
attendance, and leave requests with reasons. Deterministic for a seed.

The report month has a planted signal: 安全 suggestions are three times as frequent as in the
months before, and teams of several units raise the same 澡堂/热水 problem."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import iso
from bot.services.reports import Month

TOPICS = (
    "安全",
    "质量",
    "设备",
    "工艺技术",
    "节能降耗",
    "管理",
    "生活福利",
    "培训学习",
    "环境卫生",
)
WORDS = {
    "安全": ["护栏", "安全帽", "隐患", "瓦斯", "滑倒"],
    "质量": ["纯度", "杂质", "返工", "次品", "检验"],
    "设备": ["皮带", "跑偏", "漏油", "轴承", "备件"],
    "工艺技术": ["配比", "参数", "工序", "自动化", "效率"],
    "节能降耗": ["空转", "长明灯", "变频", "余热", "浪费"],
    "管理": ["交接班", "台账", "排班", "审批", "考核"],
    "生活福利": ["食堂", "宿舍", "班车", "饮水", "工资"],
    "培训学习": ["培训", "题库", "师带徒", "考证", "比武"],
    "环境卫生": ["粉尘", "噪声", "垃圾", "厕所", "积尘"],
}
REASONS = ["感冒发烧", "孩子生病", "家里有事", "年假", "去医院复查", "出差", "老人住院", "私事"]


@dataclass(frozen=True)
class Site:
    units: int
    teams: int
    members: int
    suggestions: int
    month: Month


def seed(
    path: str,
    month: Month,
    tz: ZoneInfo,
    workers: int = 300,
    texts: int = 600,
    units: int = 3,
    team_size: int = 10,
    sessions_per_month: int = 2,
    seed_value: int = 20,
) -> Site:
    """Fills the (migrated, empty) database at `path`; `texts` suggestions over the report month
    and the three before it."""
    rnd = random.Random(seed_value)
    conn = sqlite3.connect(path)
    n_teams = max(units, workers // team_size)
    conn.executemany(
        "INSERT INTO units(id, name) VALUES (?, ?)", [(u + 1, f"{u + 1}分场") for u in range(units)]
    )
    conn.executemany(
        "INSERT INTO teams(id, unit_id, name, invite_code) VALUES (?, ?, ?, ?)",
        [(t + 1, t % units + 1, f"{t + 1}班", f"inv{t + 1}") for t in range(n_teams)],
    )
    conn.executemany(
        "INSERT INTO members(id, employee_no, name, team_id) VALUES (?, ?, ?, ?)",
        [(m + 1, f"E{m + 1:06d}", f"职工{m + 1}", m % n_teams + 1) for m in range(workers)],
    )
    months = [month.shift(-3), month.shift(-2), month.shift(-1), month]
    rows = []
    for i in range(texts):
        mi = i % 4
        start, end = months[mi].bounds(tz)
        at = start + (end - start) * rnd.random()
        member = rnd.randrange(workers) + 1
        team = (member - 1) % n_teams + 1
        unit = (team - 1) % units + 1
        weights = [3.0 if (t == "安全" and mi == 3) else 1.0 for t in TOPICS]
        topic = rnd.choices(TOPICS, weights)[0]
        kws = rnd.sample(WORDS[topic], 2)
        if mi == 3 and i % 40 == 3:
            topic, kws = "生活福利", ["澡堂", "热水"]
        if mi == 3 and i % 13 == 3:
            kws = [*kws, "新设备试运行"]
        rows.append(
            (
                i + 1,
                member,
                team,
                unit,
                f"建议{i}：{'、'.join(kws)}的问题要解决",
                int(rnd.random() < 0.1),
                json.dumps([topic], ensure_ascii=False),
                json.dumps(kws, ensure_ascii=False),
                iso(at),
            )
        )
    conn.executemany(
        "INSERT INTO suggestions(id, author_member_id, team_id, unit_id, text, anonymous, topics,"
        " keywords, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    sid = 0
    sessions, attendance, leave = [], [], []
    for m in months:
        start, _ = m.bounds(tz)
        for team in range(1, n_teams + 1):
            unit = (team - 1) % units + 1
            for k in range(sessions_per_month):
                sid += 1
                at = start + timedelta(days=3 + 10 * k, hours=1)
                sessions.append(
                    (sid, unit, team, "学习", iso(at), iso(at + timedelta(hours=1)), iso(at),
                     iso(at + timedelta(minutes=10)), iso(at + timedelta(hours=1)), "closed")
                )  # fmt: skip
                for member in range(team, workers + 1, n_teams):
                    r = rnd.random()
                    status = (
                        "present"
                        if r < 0.85
                        else "late"
                        if r < 0.9
                        else "absent"
                        if r < 0.95
                        else "leave"
                    )
                    note = (
                        rnd.choice(REASONS) if status == "absent" and rnd.random() < 0.5 else None
                    )
                    attendance.append((sid, member, team, status, note))
                    if status == "leave":
                        leave.append(
                            ("leave", sid, member, rnd.choice(REASONS), "approved", iso(at))
                        )
    conn.executemany(
        "INSERT INTO study_sessions(id, unit_id, team_id, topic, starts_at, ends_at, checkin_from,"
        " late_from, checkin_until, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        sessions,
    )
    conn.executemany(
        "INSERT INTO attendance(session_id, member_id, team_id, status, note)"
        " VALUES (?, ?, ?, ?, ?)",
        attendance,
    )
    conn.executemany(
        "INSERT INTO attendance_requests(kind, session_id, member_id, reason, status, asked_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        leave,
    )
    answers = []
    for mi, m in enumerate(months):
        start, _ = m.bounds(tz)
        for member in range(1, workers + 1, 3):
            team = (member - 1) % n_teams + 1
            at = start + timedelta(days=5, hours=2)
            correct = int(rnd.random() < 0.6 + 0.05 * mi)
            answers.append((f"p{mi}", member, "[0]", iso(at), "counted", member, team, correct))
    conn.executemany(
        "INSERT INTO quiz_answers(poll_id, tg_user_id, option_ids, answered_at, state, member_id,"
        " team_id, correct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        answers,
    )
    conn.commit()
    conn.close()
    return Site(units, n_teams, workers, texts, month)


def this_month(tz: ZoneInfo) -> Month:
    now = datetime.now(UTC).astimezone(tz)
    return Month(now.year, now.month)
