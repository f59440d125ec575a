"""Reading a table someone sent us (CSV or XLSX) with hard limits, as the cells are displayed.

Every file the bot or the CLI reads — rosters, question banks, competition figures — goes
through `read_table`. A hostile or careless file must not take the process down, so every
limit is checked *before* the work grows:

- bytes of the file, before anything is decoded;
- for XLSX (a zip): the declared size of every member and of all of them together, read from
  the central directory before a byte is inflated (Python's zipfile never inflates a member
  beyond its declared size, and checks the CRC), and no DOCTYPE or entity in any XML part;
- the sheet and the shared strings are parsed as a stream (expat), cell by cell: the sheet's
  own claim about its size (`<dimension>`) is never trusted or used to pad rows, empty cells
  cost nothing, and rows, columns, filled cells, shared strings (count and characters), the
  length of a cell and the elapsed time are counted as they come;
- CSV: malformed quoting (an unclosed quote, text after a closing quote, a quoted cell running
  over a line break) is reported with the row where it starts, never guessed around.

Numbers are read as Excel shows them: 101 with the number format 000000 is "000101", a date
serial with a date format is an ISO date. Text is returned as stored (no trimming here: callers
decide what blank means, see `bot.domain.text`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import math
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.parsers import expat

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Hard limits of one read. The defaults fit a roster of 20,000 people with room to spare."""

    max_bytes: int = 5 * MB
    max_rows: int = 21_000  # 20,000 people plus title, header and notes rows
    max_columns: int = 64
    max_cells: int = 400_000
    max_cell_chars: int = 32_767  # Excel's own limit for a cell
    max_shared_strings: int = 400_000
    max_shared_chars: int = 8_000_000
    max_member_bytes: int = 48 * MB  # one inflated XML part
    max_unpacked_bytes: int = 96 * MB  # all parts we read, inflated
    max_seconds: float = 10.0
    # Question texts may span lines; rosters never do, and a quoted cell running over a line
    # break is the usual sign of an unclosed quote that swallowed the rows after it.
    multiline_cells: bool = False


DEFAULT_LIMITS = Limits()


class TableError(ValueError):
    """The file cannot be read within the limits.

    code: empty | too_large | unpacked_too_large | too_many_rows | too_many_columns |
    too_many_cells | cell_too_long | too_many_strings | timeout | encoding | xls | encrypted |
    bad_xlsx |
    not_a_table | bad_quote. `limit` is the limit that was hit, `row` the row concerned
    (as the spreadsheet numbers it), `column` a column letter.
    """

    def __init__(
        self,
        code: str,
        *,
        limit: int | float | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(code, limit, row, column)
        self.code = code
        self.limit = limit
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it (first line = 1)
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    kind: str  # "csv" | "xlsx"
    rows: tuple[Row, ...]
    sheet: str = ""
    encoding: str = ""
    skipped_sheets: tuple[str, ...] = field(default=())


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 .xls
# ASCII control characters never occur in a text table (UTF-8 and GBK never use those bytes
# inside a character either): finding them means the file is binary (an image, a PDF).
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def read_table(data: bytes, filename: str = "", limits: Limits = DEFAULT_LIMITS) -> Table:
    """The table in `data`; raises TableError with the limit or defect found."""
    if len(data) > limits.max_bytes:
        raise TableError("too_large", limit=limits.max_bytes)
    if not data.strip():
        raise TableError("empty")
    name = filename.lower()
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, limits)
    if data.startswith(_OLE_MAGIC):
        # Excel saves a password-protected .xlsx as an OLE container too.
        raise TableError("encrypted" if name.endswith((".xlsx", ".xlsm")) else "xls")
    if name.endswith(".xls"):
        raise TableError("xls")
    if name.endswith((".xlsx", ".xlsm")):
        raise TableError("bad_xlsx")
    return _read_csv(data, limits)


class _Budget:
    """Counts what a read has used, raising as soon as a limit is passed."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.cells = 0
        self.rows = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TableError("timeout", limit=self.limits.max_seconds)

    def row(self, number: int) -> None:
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise TableError("too_many_rows", limit=self.limits.max_rows, row=number)

    def cell(self, text: str, row: int, column: int) -> None:
        if column > self.limits.max_columns:
            raise TableError(
                "too_many_columns",
                limit=self.limits.max_columns,
                row=row,
                column=column_letter(column),
            )
        if len(text) > self.limits.max_cell_chars:
            raise TableError(
                "cell_too_long",
                limit=self.limits.max_cell_chars,
                row=row,
                column=column_letter(column),
            )
        self.cells += 1
        if self.cells > self.limits.max_cells:
            raise TableError("too_many_cells", limit=self.limits.max_cells, row=row)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- CSV


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file as Excel writes them: UTF-8 with or without BOM,
    GBK/GB18030 (Excel on Chinese Windows), UTF-16 with BOM ("Unicode text")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if _BINARY_BYTES.search(data):
            raise TableError("not_a_table")
        candidates = ["utf-8-sig", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _BINARY_BYTES.search(text.encode("utf-8", "replace")):
            raise TableError("not_a_table")
        return text, "gbk" if encoding == "gb18030" else encoding.removesuffix("-sig")
    raise TableError("encoding")


def _delimiter(text: str) -> str:
    # Decided over the first lines, not the first one: a title row ("XX车间职工花名册")
    # exported from a merged cell may carry no delimiter at all.
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    counts = {d: sum(ln.count(d) for ln in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, limits: Limits) -> Table:
    text, encoding = decode_text(data)
    budget = _Budget(limits)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[Row] = []
    start = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise TableError("bad_quote", row=start) from exc
        if reader.line_num != start and not limits.multiline_cells:
            raise TableError("bad_quote", row=start)
        budget.tick()
        if not any(cells):
            continue
        budget.row(start)
        for index, cell in enumerate(cells, start=1):
            if cell:
                budget.cell(cell, start, index)
        while cells and not cells[-1]:
            cells.pop()
        rows.append(Row(start, tuple(cells)))
    if not rows:
        raise TableError("empty")
    return Table("csv", tuple(rows), encoding=encoding)


# ---------------------------------------------------------------- XLSX

_CHUNK = 64 * 1024
_REL_NS_ID = "id"


class _Stop(Exception):
    """Raised inside expat handlers to leave the parse early."""


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


class _Archive:
    def __init__(self, data: bytes, limits: Limits) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise TableError("bad_xlsx") from exc
        self.limits = limits
        self.members = {info.filename.lstrip("/"): info for info in infos}
        self.unpacked = 0

    def has(self, name: str) -> bool:
        return name in self.members

    def parse(
        self,
        name: str,
        budget: _Budget,
        start: Callable[[str, dict[str, str]], None],
        end: Callable[[str], None] | None = None,
        chars: Callable[[str], None] | None = None,
    ) -> None:
        """Stream one XML member through expat, within the byte, time and DTD rules."""
        info = self.members.get(name)
        if info is None:
            raise TableError("bad_xlsx")
        if info.file_size > self.limits.max_member_bytes:
            raise TableError("unpacked_too_large", limit=self.limits.max_member_bytes)
        self.unpacked += info.file_size
        if self.unpacked > self.limits.max_unpacked_bytes:
            raise TableError("unpacked_too_large", limit=self.limits.max_unpacked_bytes)
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True

        def no_dtd(*_: Any) -> None:
            # Office never writes a DTD; one in a workbook is an entity-expansion attempt.
            raise TableError("bad_xlsx")

        parser.StartDoctypeDeclHandler = no_dtd
        parser.EntityDeclHandler = no_dtd
        parser.StartElementHandler = lambda n, a: start(_local(n), a)
        if end is not None:
            parser.EndElementHandler = lambda n: end(_local(n))
        if chars is not None:
            parser.CharacterDataHandler = chars
        try:
            with self.zip.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    budget.tick()
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _Stop:
            return
        except expat.ExpatError as exc:
            raise TableError("bad_xlsx") from exc
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
            # A CRC mismatch, a truncated member, an unsupported compression method.
            raise TableError("bad_xlsx") from exc


@dataclass(frozen=True)
class _Sheet:
    name: str
    path: str
    hidden: bool


def _sheets(archive: _Archive, budget: _Budget) -> tuple[list[_Sheet], bool]:
    """The workbook's sheets in order, and whether dates count from 1904."""
    found: list[tuple[str, str, bool]] = []
    date1904 = [False]

    def on_workbook(name: str, attrs: dict[str, str]) -> None:
        if name == "sheet":
            rid = _attr(attrs, _REL_NS_ID) or ""
            state = attrs.get("state", "visible")
            found.append((attrs.get("name", ""), rid, state != "visible"))
        elif name == "workbookPr":
            date1904[0] = attrs.get("date1904", "0").lower() in ("1", "true")

    targets: dict[str, str] = {}

    def on_rels(name: str, attrs: dict[str, str]) -> None:
        if name == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    if not archive.has("xl/workbook.xml"):
        raise TableError("bad_xlsx")
    archive.parse("xl/workbook.xml", budget, on_workbook)
    if archive.has("xl/_rels/workbook.xml.rels"):
        archive.parse("xl/_rels/workbook.xml.rels", budget, on_rels)
    sheets = []
    for name, rid, hidden in found:
        target = targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        path = re.sub(r"[^/]+/\.\./", "", path)
        if archive.has(path):
            sheets.append(_Sheet(name, path, hidden))
    if not sheets and archive.has("xl/worksheets/sheet1.xml"):
        sheets.append(_Sheet("", "xl/worksheets/sheet1.xml", False))
    return sheets, date1904[0]


def _shared_strings(archive: _Archive, budget: _Budget) -> list[str]:
    limits = archive.limits
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_t": False, "skip": 0, "chars": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "si":
            parts.clear()
        elif name in ("rPh", "phoneticPr"):
            state["skip"] += 1  # phonetic guide text is not part of the cell's value
        elif name == "t" and not state["skip"]:
            state["in_t"] = True

    def end(name: str) -> None:
        if name == "si":
            strings.append("".join(parts))
            if len(strings) > limits.max_shared_strings:
                raise TableError("too_many_strings", limit=limits.max_shared_strings)
        elif name in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif name == "t":
            state["in_t"] = False

    def chars(text: str) -> None:
        if state["in_t"]:
            state["chars"] += len(text)
            if state["chars"] > limits.max_shared_chars:
                raise TableError("too_many_strings", limit=limits.max_shared_strings)
            parts.append(text)

    if archive.has("xl/sharedStrings.xml"):
        archive.parse("xl/sharedStrings.xml", budget, start, end, chars)
    return strings


def _styles(archive: _Archive, budget: _Budget) -> list[str]:
    """The number format code of each cell style (index = the cell's `s` attribute)."""
    custom: dict[int, str] = {}
    formats: list[str] = []
    depth = {"cellXfs": False}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif name == "cellXfs":
            depth["cellXfs"] = True
        elif name == "xf" and depth["cellXfs"]:
            try:
                fmt_id = int(attrs.get("numFmtId", "0"))
            except ValueError:
                fmt_id = 0
            formats.append(custom.get(fmt_id) or _BUILTIN_FORMATS.get(fmt_id, "General"))
            if len(formats) > 65_536:
                raise TableError("bad_xlsx")

    def end(name: str) -> None:
        if name == "cellXfs":
            depth["cellXfs"] = False

    if archive.has("xl/styles.xml"):
        archive.parse("xl/styles.xml", budget, start, end)
    return formats


_CELL_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    budget = _Budget(limits)
    archive = _Archive(data, limits)
    sheets, date1904 = _sheets(archive, budget)
    if not sheets:
        raise TableError("bad_xlsx")
    visible_sheets = [s for s in sheets if not s.hidden] or sheets
    sheet = visible_sheets[0]
    strings = _shared_strings(archive, budget)
    formats = _styles(archive, budget)
    rows = _sheet_rows(archive, sheet.path, budget, strings, formats, date1904)
    if not rows:
        raise TableError("empty")
    others = tuple(s.name for s in visible_sheets[1:])
    return Table("xlsx", tuple(rows), sheet=sheet.name, skipped_sheets=others)


def _sheet_rows(
    archive: _Archive,
    path: str,
    budget: _Budget,
    strings: list[str],
    formats: list[str],
    date1904: bool,
) -> list[Row]:
    limits = budget.limits
    rows: list[Row] = []
    current: dict[int, str] = {}
    st: dict[str, Any] = {
        "row": 0,
        "col": 0,
        "type": "n",
        "style": 0,
        "text": None,
        "capture": False,
        "in_is": False,
        "skip": 0,
        "buf": [],
    }

    def flush_row() -> None:
        if current:
            number = st["row"]
            budget.row(number)
            width = max(current)
            rows.append(Row(number, tuple(current.get(i, "") for i in range(1, width + 1))))
            current.clear()

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "row":
            flush_row()
            try:
                st["row"] = int(attrs["r"])
            except (KeyError, ValueError):
                st["row"] += 1
            st["col"] = 0
        elif name == "c":
            ref = _CELL_REF.match(attrs.get("r", ""))
            if ref:
                st["col"] = _column_index(ref.group(1))
            else:
                st["col"] += 1
            st["type"] = attrs.get("t", "n")
            try:
                st["style"] = int(attrs.get("s", "0"))
            except ValueError:
                st["style"] = 0
            st["text"] = None
        elif name == "v" or (name == "t" and st["in_is"] and not st["skip"]):
            st["capture"] = True
            st["buf"] = []
        elif name == "is":
            st["in_is"] = True
            st["text"] = ""
        elif name == "rPh":
            st["skip"] += 1

    def end(name: str) -> None:
        if name == "v":
            st["capture"] = False
            st["text"] = "".join(st["buf"])
        elif name == "t" and st["capture"]:
            st["capture"] = False
            st["text"] = (st["text"] or "") + "".join(st["buf"])
        elif name == "is":
            st["in_is"] = False
        elif name == "rPh":
            st["skip"] -= 1
        elif name == "c":
            raw = st["text"]
            if raw is None:
                return
            shown = _display(raw, st["type"], st["style"], strings, formats, date1904)
            if shown:
                budget.cell(shown, st["row"], st["col"])
                current[st["col"]] = shown
        elif name == "sheetData":
            flush_row()
            raise _Stop

    def chars(text: str) -> None:
        if st["capture"]:
            st["buf"].append(text)
            if sum(map(len, st["buf"])) > limits.max_cell_chars:
                raise TableError(
                    "cell_too_long",
                    limit=limits.max_cell_chars,
                    row=st["row"],
                    column=column_letter(st["col"]),
                )

    archive.parse(path, budget, start, end, chars)
    flush_row()
    return rows


# ---------------------------------------------------------------- number formats

# The built-in formats Excel does not write into styles.xml (ECMA-376 §18.8.30), with the
# zh-CN locale's date formats (ids 27-36, 50-58) as a Chinese Excel shows them.
_BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "yyyy-mm-dd",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy-mm-dd h:mm",
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
    **{i: "yyyy-mm-dd" for i in (27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58)},
    **{i: "h:mm:ss" for i in (32, 33, 55, 56)},
}

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _display(
    raw: str, kind: str, style: int, strings: list[str], formats: list[str], date1904: bool
) -> str:
    if kind == "s":
        try:
            return strings[int(raw)]
        except (ValueError, IndexError):
            return ""
    if kind in ("inlineStr", "str", "e"):
        return raw
    if kind == "b":
        return "TRUE" if raw.strip() in ("1", "true") else "FALSE"
    try:
        value = float(raw)
    except ValueError:
        return raw
    if not math.isfinite(value):
        return raw
    code = formats[style] if 0 <= style < len(formats) else "General"
    return format_number(value, code, date1904)


def format_number(value: float, code: str, date1904: bool = False) -> str:
    """`value` as Excel displays it with the format `code` (the parts a roster or a bank uses:
    zero padding, decimals, thousands, percent, literals, dates; anything else as General)."""
    sections = code.split(";")
    section = sections[0]
    if value < 0 and len(sections) > 1:
        section, value = sections[1], -value
    bare = _QUOTED.sub("", section)
    if section.strip().lower() in ("general", "@", "") or not section:
        return _general(value)
    if re.search(r"[yYdD]|[mM]{1,5}|[hHsS]", bare) and not re.search(r"[0#?]", bare):
        return _date(value, bare, date1904)
    if re.search(r"[eE][+-]|\?|/", bare):
        return _general(value)
    return _numeric(value, section)


def _general(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.11g}"
    return text


def _date(value: float, bare: str, date1904: bool) -> str:
    base = datetime(1904, 1, 1) if date1904 else datetime(1899, 12, 30)
    if value < 0 or value > 2_958_465:  # 9999-12-31
        return _general(value)
    moment = base + timedelta(days=value)
    has_date = re.search(r"[yYdD]", bare) or (
        re.search(r"[mM]", bare) and not re.search(r"[hHsS]", bare)
    )
    has_time = re.search(r"[hHsS]", bare)
    if has_date and has_time:
        return moment.replace(microsecond=0).isoformat(sep=" ")
    if has_time:
        return moment.replace(microsecond=0).time().isoformat()
    return moment.date().isoformat()


def _numeric(value: float, section: str) -> str:
    """Digit placeholders 0 # with . , % and literals ("…", \\x, other characters)."""
    tokens: list[tuple[str, str]] = []  # (kind, text): kind is "lit" or "num"
    number = ""
    i = 0
    while i < len(section):
        ch = section[i]
        if ch == '"':
            close = section.find('"', i + 1)
            close = len(section) if close < 0 else close
            tokens.append(("lit", section[i + 1 : close]))
            i = close + 1
            continue
        if ch == "\\" and i + 1 < len(section):
            tokens.append(("lit", section[i + 1]))
            i += 2
            continue
        if ch == "[":
            close = section.find("]", i)
            i = len(section) if close < 0 else close + 1
            continue
        if ch in "_*":  # padding directives: one char of width we do not reproduce
            i += 2
            continue
        if ch in "0#.,":
            if not tokens or tokens[-1][0] != "num":
                tokens.append(("num", ""))
            tokens[-1] = ("num", tokens[-1][1] + ch)
            number = number or "x"
        elif ch == "%":
            value *= 100
            tokens.append(("lit", "%"))
        else:
            tokens.append(("lit", ch))
        i += 1
    out: list[str] = []
    done = False
    for kind, text in tokens:
        if kind == "lit":
            out.append(text)
        elif not done:
            out.append(_digits(value, text))
            done = True
    return "".join(out) if number else _general(value)


def _digits(value: float, pattern: str) -> str:
    integer, _, decimals = pattern.partition(".")
    grouping = "," in integer
    min_int = integer.count("0")
    places = decimals.count("0") + decimals.count("#")
    min_places = decimals.count("0")
    text = f"{abs(value):.{places}f}"
    whole, _, frac = text.partition(".")
    if places > min_places:
        frac = frac.rstrip("0").ljust(min_places, "0")
    whole = whole.lstrip("0").rjust(min_int, "0")
    if grouping and whole:
        whole = f"{int(whole):,}"
    sign = "-" if value < 0 and (whole.strip("0") or frac.strip("0")) else ""
    return sign + whole + ("." + frac if frac or (places and min_places) else "")
