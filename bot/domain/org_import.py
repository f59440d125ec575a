"""Reading and checking an organisation roster (CSV or XLSX) — pure functions, no database.

HR keeps the roster in Excel, so the reader accepts what Excel writes: XLSX, CSV in UTF-8 (with
or without BOM), GBK (Excel on Chinese Windows) and UTF-16 ("Unicode text"). The checker reports
every bad row at once, with row numbers as Excel shows them (header = row 1), because a roster
is fixed in one pass by a person looking at the spreadsheet.

An empty role cell means worker. Roles and tags are split on ; ； 、 , ， /.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from bot.texts import Texts

ROLES = ("worker", "team_leader", "unit_leader", "admin")
REQUIRED_COLUMNS = ("unit", "team", "employee_no", "name", "role")
OPTIONAL_COLUMNS = ("tags",)

MAX_NAME_LEN = 64
MAX_TAG_LEN = 32
MAX_ROWS = 20_000
# A title row or two ("XX盐场职工花名册") above the header is common in HR files.
HEADER_SEARCH_ROWS = 10

_HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "unit", "车间", "分场", "工区"),
    "team": ("班组", "team"),
    "employee_no": ("工号", "employee_no", "员工编号"),
    "name": ("姓名", "name"),
    "role": ("角色", "role", "roles"),
    "tags": ("标签", "tags", "tag"),
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
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"
# ASCII control characters never occur in a text roster (UTF-8 and GBK never use those bytes
# inside a character either): finding them means the file is binary (an image, a document).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls


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


@dataclass(frozen=True)
class RosterRow:
    row: int
    unit: str
    team: str
    employee_no: str
    name: str
    roles: frozenset[str]
    tags: tuple[str, ...]


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
    duplicate_columns | too_large; `columns` names the columns concerned.
    """

    code: str
    columns: tuple[str, ...] = ()


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
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    file_error: FileError | None = None
    summary: ImportSummary | None = None
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return self.file_error is None and not self.errors


# ---------------------------------------------------------------- reading


def read_roster(data: bytes, filename: str) -> list[RawRow]:
    """The roster's data rows; raises RosterFileError when the file is not a readable roster."""
    if not data.strip():
        raise RosterFileError(FileError("empty"))
    name = filename.lower()
    if data.startswith(_ZIP_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        table = _xlsx_rows(data)
    elif data.startswith(_OLE_MAGIC) or name.endswith(".xls"):
        raise RosterFileError(FileError("xls"))
    else:
        table = _csv_rows(_decode(data))
    return _raw_rows(table)


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _try_decode(data, "utf-16")
    elif _BINARY_BYTES.search(data):
        raise RosterFileError(FileError("not_a_roster"))
    else:
        text = _try_decode(data.removeprefix(b"\xef\xbb\xbf"), "utf-8")
        if text is None:
            # GB18030 is a superset of GBK, the code page Excel uses on Chinese Windows.
            text = _try_decode(data, "gb18030")
    if text is None:
        raise RosterFileError(FileError("encoding"))
    if _BINARY.search(text):
        raise RosterFileError(FileError("not_a_roster"))
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _csv_rows(text: str) -> Iterator[Sequence[Any]]:
    first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = max(",\t;", key=first_line.count)
    return iter(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(data: bytes) -> Iterator[Sequence[Any]]:
    from openpyxl import load_workbook  # slow to import; only a few runs ever need it

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        # openpyxl fails on a damaged or foreign archive with many exception types
        # (BadZipFile, KeyError, XML errors...): for us they all mean "not a workbook".
        raise RosterFileError(FileError("bad_xlsx")) from exc
    try:
        if not wb.worksheets:
            raise RosterFileError(FileError("empty"))
        # Materialised before close(): read-only workbooks keep the archive open.
        rows = list(_bounded(wb.worksheets[0].iter_rows(min_row=1, values_only=True)))
    except (zipfile.BadZipFile, KeyError, SyntaxError) as exc:
        raise RosterFileError(FileError("bad_xlsx")) from exc
    finally:
        wb.close()
    return iter(rows)


def _bounded(rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    filled = 0
    for row in rows:
        if any(_cell_text(v) for v in row):
            filled += 1
            if filled > MAX_ROWS + HEADER_SEARCH_ROWS:
                raise RosterFileError(FileError("too_large"))
        yield row


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores employee number 10023 as 10023.0
    if isinstance(value, datetime | date | time):
        value = value.isoformat()
    return str(value).strip().strip(_INVISIBLE).strip()


def _header_key(value: Any) -> str:
    text = _SPACES.sub("_", _cell_text(value).lower().strip("*＊:："))
    return text.replace("-", "_")


def _column_of(header_cell: Any) -> str | None:
    key = _header_key(header_cell)
    for column, names in _HEADER_NAMES.items():
        if key in names:
            return column
    return None


def _find_header(rows: Iterator[Sequence[Any]]) -> tuple[int, dict[str, int]]:
    """(row number, column → index) of the header among the first rows, else RosterFileError."""
    best: dict[str, int] = {}
    for number, cells in enumerate(rows, start=1):
        if number > HEADER_SEARCH_ROWS:
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
            return number, columns
        if len(columns) > len(best):
            best = columns
    if not best:
        raise RosterFileError(FileError("not_a_roster"))
    missing = tuple(c for c in REQUIRED_COLUMNS if c not in best)
    raise RosterFileError(FileError("missing_columns", missing))


def _raw_rows(table: Iterator[Sequence[Any]]) -> list[RawRow]:
    header_row, columns = _find_header(table)
    out: list[RawRow] = []
    for number, cells in enumerate(table, start=header_row + 1):
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
            )
        )
    if not out:
        raise RosterFileError(FileError("empty"))
    return out


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


def _role_code(item: str) -> str | None:
    return _ROLE_NAMES.get(_SPACES.sub("_", item.lower()))


def validate(rows: Iterable[RawRow]) -> tuple[list[RosterRow], list[RowError]]:
    good: list[RosterRow] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for raw in rows:
        row_errors = list(_row_errors(raw))
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
        good.append(
            RosterRow(
                row=raw.row,
                unit=raw.unit,
                team=raw.team,
                employee_no=employee_no,
                name=raw.name,
                roles=_roles(raw.role),
                tags=tuple(split_list(raw.tags)),
            )
        )
    return good, errors


def _roles(cell: str) -> frozenset[str]:
    codes = {_role_code(item) for item in split_list(cell)}
    return frozenset(c for c in codes if c is not None) or frozenset({"worker"})


def _row_errors(raw: RawRow) -> Iterator[RowError]:
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
    for item in split_list(raw.role):
        if _role_code(item) is None:
            yield RowError(raw.row, "unknown_role", "role", item)
    for tag in split_list(raw.tags):
        if len(tag) > MAX_TAG_LEN:
            yield RowError(raw.row, "too_long", "tags", tag)


# ---------------------------------------------------------------- rendering


def _clip(value: str | None, width: int = 24) -> str:
    text = value or ""
    return text if len(text) <= width else text[: width - 1] + "…"


def render_errors(
    errors: Sequence[RowError], texts: Texts, lang: str | None = None, *, limit: int | None = None
) -> list[str]:
    """One line per error; values are HTML-escaped (messages go out in HTML parse mode).

    With `limit`, at most that many lines and a last line saying how many were left out.
    """
    shown = errors if limit is None else errors[:limit]
    lines = [_render_error(e, texts, lang) for e in shown]
    if len(errors) > len(shown):
        lines.append(texts.get("org.row.more", lang, count=len(errors) - len(shown)))
    return lines


def _render_error(error: RowError, texts: Texts, lang: str | None) -> str:
    field_name = texts.get(f"org.column.{error.field}", lang) if error.field else ""
    limit = MAX_TAG_LEN if error.field == "tags" else MAX_NAME_LEN
    return texts.get(
        f"org.row.{error.code}",
        lang,
        row=error.row,
        field=field_name,
        value=_clip(error.value),
        other_row=error.other_row or "",
        limit=limit,
    )


def render_file_error(error: FileError, texts: Texts, lang: str | None = None) -> str:
    separator = texts.get("org.list_separator", lang)
    columns = separator.join(texts.get(f"org.column.{c}", lang) for c in error.columns)
    return texts.get(f"org.file.{error.code}", lang, columns=columns, limit=MAX_ROWS)


def render_summary(result: ImportResult, texts: Texts, lang: str | None = None) -> str:
    """The outcome of an import in one message: counts, or the file/row errors."""
    if result.file_error is not None:
        return render_file_error(result.file_error, texts, lang)
    if result.errors:
        head = texts.get("org.import.rejected", lang, count=len(result.errors))
        return "\n".join([head, *render_errors(result.errors, texts, lang, limit=30)])
    s = result.summary or ImportSummary()
    key = "org.import.dry_run" if result.dry_run else "org.import.done"
    return texts.get(
        key,
        lang,
        rows=result.rows,
        units_created=s.units_created,
        teams_created=s.teams_created,
        members_created=s.members_created,
        members_updated=s.members_updated,
        members_moved=s.members_moved,
        members_deactivated=s.members_deactivated,
        unchanged=s.unchanged,
    )
