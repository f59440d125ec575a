"""Reading and checking an organisation roster (CSV or XLSX) — pure functions, no database.

HR keeps the roster in Excel, so the reader accepts what Excel writes: XLSX, CSV in UTF-8 (with
or without BOM), GBK (Excel on Chinese Windows) and UTF-16 ("Unicode text"). The checker reports
every bad row at once, with row numbers as Excel shows them (header = row 1), because a roster
is fixed in one pass by a person looking at the spreadsheet.

An empty role cell means worker. Roles and tags are split on ; ； 、 , ， /.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.job_titles import StaffAs, TitleMap, meaning
from bot.domain.tabular import Limits, TableError, read_table
from bot.domain.text import visible

ROLES = ("worker", "team_leader", "unit_leader", "admin")
REQUIRED_COLUMNS = ("unit", "team", "employee_no", "name")
# 角色 is optional: HR rosters carry 职务 (job title) instead, mapped by data/org/job_titles.toml.
OPTIONAL_COLUMNS = ("role", "tags", "title", "phone")

MAX_NAME_LEN = 64
MAX_TAG_LEN = 32
MAX_ROWS = 20_000
# A title row or two ("XX盐场职工花名册") above the header is common in HR files.
HEADER_SEARCH_ROWS = 10

_HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "unit": (
        "单位",
        "unit",
        "车间",
        "分场",
        "工区",
        "部门",
        "所属部门",
        "区队",
        "所属单位",
        "单位名称",
    ),
    "team": ("班组", "team", "所属班组", "班组名称", "小组"),
    "employee_no": ("工号", "employee_no", "员工编号", "职工编号", "员工号", "人员编号"),
    "name": ("姓名", "name", "员工姓名", "职工姓名"),
    "role": ("角色", "role", "roles"),
    "tags": ("标签", "tags", "tag"),
    "title": ("职务", "职位", "岗位", "title", "job_title", "岗位名称"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "电话", "联系方式", "phone", "mobile"),
}
_ROLE_NAMES: dict[str, str] = {
    "职工": "worker",
    "班组长": "team_leader",
    "单位负责人": "unit_leader",
    "车间负责人": "unit_leader",
    "分场负责人": "unit_leader",
    "工区负责人": "unit_leader",
    "管理员": "admin",
    **{code: code for code in ROLES},
}
_SPLIT = re.compile(r"[;；、,，/]")
_EMPLOYEE_NO = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_SPACES = re.compile(r"\s+")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
# The table reader's own refusals that a roster reply words better ("not a roster").
_TABLE_CODES = {
    "empty": "empty",
    "encoding": "encoding",
    "xls": "xls",
    "bad_xlsx": "bad_xlsx",
    "not_a_table": "not_a_roster",
}


@dataclass(frozen=True)
class RawRow:
    """One non-blank data row, cells cleaned of surrounding whitespace but not yet checked."""

    row: int
    unit: str
    team: str
    employee_no: str
    name: str
    role: str
    tags: str
    title: str = ""
    phone: str = ""


@dataclass(frozen=True)
class RosterRow:
    row: int
    unit: str
    team: str
    employee_no: str
    name: str
    roles: frozenset[str]
    tags: tuple[str, ...]
    title: str = ""
    phone_tail: str = ""  # last 4 digits of 手机: the second check at registration


@dataclass(frozen=True)
class RowError:
    """A bad row. `other_row` is the earlier row of a duplicate employee number."""

    row: int
    code: str
    field: str | None = None
    value: str | None = None
    other_row: int | None = None


@dataclass(frozen=True)
class FileError:
    """The file cannot be read as a roster at all.

    code: empty | encoding | xls | bad_xlsx | not_a_roster | missing_columns |
    duplicate_columns | too_large | table (a limit or defect the table reader found:
    `table` says which); `columns` names the columns concerned.
    """

    code: str
    columns: tuple[str, ...] = ()
    table: TableError | None = field(default=None, compare=False)


class RosterFileError(ValueError):
    def __init__(self, error: FileError) -> None:
        super().__init__(error.code, *error.columns)
        self.error = error


@dataclass(frozen=True)
class ImportSummary:
    """Counts of one import. Every member in the file is counted once as created, updated or
    unchanged; `members_moved` counts the updated ones whose team changed."""

    units_created: int = 0
    teams_created: int = 0
    members_created: int = 0
    members_updated: int = 0
    members_moved: int = 0
    members_deactivated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class MemberChange:
    """One person an import adds, moves, deactivates or re-activates, named in the preview.

    kind: added | moved | deactivated | reactivated. Teams are "单位 班组" labels.
    """

    kind: str
    employee_no: str
    name: str
    old_team: str = ""
    new_team: str = ""
    tg_user_id: int | None = None


@dataclass(frozen=True)
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    file_error: FileError | None = None
    summary: ImportSummary | None = None
    rows: int = 0
    dry_run: bool = False
    changes: tuple[MemberChange, ...] = ()
    header_row: int = 0
    ignored: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Roster:
    """A roster file as read: where its header was, which columns were used or ignored."""

    rows: list[RawRow]
    header_row: int
    columns: tuple[str, ...]  # our columns found, in file order
    ignored: tuple[str, ...]  # header cells of the columns we do not use


def read_roster(data: bytes, filename: str) -> list[RawRow]:
    """The roster's data rows; raises RosterFileError when the file is not a readable roster."""
    return read_roster_file(data, filename).rows


def read_roster_file(data: bytes, filename: str) -> Roster:
    try:
        table = read_table(data, filename, Limits(max_rows=MAX_ROWS + HEADER_SEARCH_ROWS + 50))
    except TableError as exc:
        mapped = _TABLE_CODES.get(exc.code)
        if mapped is not None:
            raise RosterFileError(FileError(mapped)) from exc
        if exc.code == "too_many_rows":
            raise RosterFileError(FileError("too_large")) from exc
        raise RosterFileError(FileError("table", table=exc)) from exc
    return _roster(iter([(r.number, r.cells) for r in table.rows]))


def _cell_text(value: Any) -> str:
    return visible(str(value)) if value is not None else ""


def _header_key(value: Any) -> str:
    text = _SPACES.sub("_", _cell_text(value).lower().strip("*＊:："))
    return text.replace("-", "_")


def _column_of(header_cell: Any) -> str | None:
    key = _header_key(header_cell)
    for column, names in _HEADER_NAMES.items():
        if key in names:
            return column
    return None


Numbered = Iterator[tuple[int, Sequence[Any]]]


def _find_header(rows: Numbered) -> tuple[int, dict[str, int], Sequence[Any]]:
    """(row number, column → index, header cells) of the header among the first rows.

    HR files put a title or two above it ("XX盐场职工花名册", merged across the sheet), so the
    first row holding every required column within HEADER_SEARCH_ROWS is the header.
    """
    best: dict[str, int] = {}
    for seen, (number, cells) in enumerate(rows, start=1):
        if seen > HEADER_SEARCH_ROWS:
            break
        found: dict[str, list[int]] = {}
        for index, cell in enumerate(cells):
            column = _column_of(cell)
            if column is not None:
                found.setdefault(column, []).append(index)
        twice = tuple(c for c, idx in found.items() if len(idx) > 1)
        if twice and all(c in found for c in REQUIRED_COLUMNS):
            raise RosterFileError(FileError("duplicate_columns", twice))
        columns = {c: idx[0] for c, idx in found.items()}
        if all(c in columns for c in REQUIRED_COLUMNS):
            return number, columns, cells
        if len(columns) > len(best):
            best = columns
    if not best:
        raise RosterFileError(FileError("not_a_roster"))
    missing = tuple(c for c in REQUIRED_COLUMNS if c not in best)
    raise RosterFileError(FileError("missing_columns", missing))


def _roster(table: Numbered) -> Roster:
    header_row, columns, header = _find_header(table)
    used = set(columns.values())
    ignored = tuple(
        _cell_text(cell) for i, cell in enumerate(header) if i not in used and _cell_text(cell)
    )
    out: list[RawRow] = []
    for number, cells in table:
        texts = [_cell_text(v) for v in cells]
        if not any(texts):
            continue
        if len(out) >= MAX_ROWS:
            raise RosterFileError(FileError("too_large"))

        def cell(column: str, texts: list[str] = texts) -> str:
            index = columns.get(column)
            return texts[index] if index is not None and index < len(texts) else ""

        out.append(
            RawRow(
                row=number,
                unit=_one_space(cell("unit")),
                team=_one_space(cell("team")),
                employee_no=cell("employee_no"),
                name=_CJK_GAP.sub("", _one_space(cell("name"))),
                role=cell("role"),
                tags=cell("tags"),
                title=_one_space(cell("title")),
                phone=cell("phone"),
            )
        )
    if not out:
        raise RosterFileError(FileError("empty"))
    order = tuple(sorted(columns, key=lambda c: columns[c]))
    return Roster(out, header_row, order, ignored)


def _one_space(text: str) -> str:
    # Chinese documents pad two-character names to three with spaces ("王　伟"); the name
    # rule removes those between CJK characters, this one only collapses runs.
    return _SPACES.sub(" ", text)


# ---------------------------------------------------------------- checking


def normalise_employee_no(text: str) -> str:
    """Full-width digits and letters (typed with a Chinese IME) become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def split_list(text: str) -> list[str]:
    """Items of a role or tag cell, in order, without blanks or repeats."""
    items = (_one_space(part.strip()) for part in _SPLIT.split(text))
    return list(dict.fromkeys(item for item in items if item))


@functools.cache
def default_titles() -> TitleMap:
    return TitleMap.load()


def _role_code(item: str) -> str | None:
    return _ROLE_NAMES.get(_SPACES.sub("_", item.lower()))


def _role_cell(
    cell: str, titles: TitleMap, staff_as: StaffAs
) -> tuple[set[str], list[str], list[str]]:
    """(roles, tags, unknown items) of a 角色 cell. A 职务 word copied into 角色 (班长, 车间主任)
    means what it means in the 职务 column; only words neither list knows are errors."""
    roles: set[str] = set()
    tags: list[str] = []
    unknown: list[str] = []
    for item in split_list(cell):
        code = _role_code(item)
        if code is not None:
            roles.add(code)
            continue
        implied = meaning(item, titles, staff_as)
        if implied.roles == {"worker"} and not implied.tags:
            unknown.append(item)
        roles |= implied.roles
        tags.extend(t for t in implied.tags if t not in tags)
    return roles, tags, unknown


_PHONE_DIGITS = re.compile(r"\d")


def phone_tail(text: str) -> str:
    """Last 4 digits of a mobile number (1xx xxxx xxxx, with +86, spaces or dashes), else ""."""
    digits = "".join(_PHONE_DIGITS.findall(unicodedata.normalize("NFKC", text)))
    digits = digits.removeprefix("86") if len(digits) == 13 else digits
    return digits[-4:] if len(digits) == 11 and digits.startswith("1") else ""


def validate(
    rows: Iterable[RawRow], titles: TitleMap | None = None, staff_as: StaffAs = "tag"
) -> tuple[list[RosterRow], list[RowError]]:
    """Checked rows and every error. Roles come from 角色 when it is filled, else from 职务."""
    titles = titles or default_titles()
    good: list[RosterRow] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for raw in rows:
        row_errors = list(_row_errors(raw, titles, staff_as))
        employee_no = normalise_employee_no(raw.employee_no)
        if employee_no in first_row:
            row_errors.append(
                RowError(
                    raw.row,
                    "duplicate_employee_no",
                    "employee_no",
                    employee_no,
                    first_row[employee_no],
                )
            )
        elif employee_no:
            first_row[employee_no] = raw.row
        if row_errors:
            errors.extend(row_errors)
            continue
        if split_list(raw.role):
            roles, implied_tags, _ = _role_cell(raw.role, titles, staff_as)
        else:
            implied = meaning(raw.title, titles, staff_as)
            roles, implied_tags = set(implied.roles), list(implied.tags)
        tags = split_list(raw.tags)
        tags += [t for t in implied_tags if t not in tags]
        good.append(
            RosterRow(
                row=raw.row,
                unit=raw.unit,
                team=raw.team,
                employee_no=employee_no,
                name=raw.name,
                roles=frozenset(roles or {"worker"}),
                tags=tuple(tags),
                title=raw.title,
                phone_tail=phone_tail(raw.phone),
            )
        )
    return good, errors


def _row_errors(raw: RawRow, titles: TitleMap, staff_as: StaffAs) -> Iterator[RowError]:
    for column in ("unit", "employee_no", "name"):
        if not getattr(raw, column):
            yield RowError(raw.row, "missing_field", column)
    if not raw.team:
        yield RowError(raw.row, "empty_team", "team")
    for column in ("unit", "team", "name"):
        value: str = getattr(raw, column)
        if len(value) > MAX_NAME_LEN:
            yield RowError(raw.row, "too_long", column, value)
    employee_no = normalise_employee_no(raw.employee_no)
    if employee_no and not _EMPLOYEE_NO.match(employee_no):
        yield RowError(raw.row, "bad_employee_no", "employee_no", employee_no)
    for item in _role_cell(raw.role, titles, staff_as)[2]:
        yield RowError(raw.row, "unknown_role", "role", item)
    for tag in split_list(raw.tags):
        if len(tag) > MAX_TAG_LEN:
            yield RowError(raw.row, "too_long", "tags", tag)
