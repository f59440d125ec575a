"""Question banks as data: the starter bank (`data/quiz/*.toml`) and spreadsheets in the shape
training departments keep (题干 / 选项A–D / 答案 / 解析 / 分类 / 难度), checked row by row.

Pure: bytes in, items or row errors out. A file is taken whole or not at all, so every bad row
is reported at once with the row number Excel shows (header = row 1). The file is read by the
shared bounded reader (`bot.domain.tabular`: CSV in UTF-8, GBK or UTF-16, XLSX streamed, hard
limits on size, rows, cells and time), with cells allowed to span lines.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.quiz import (
    JUDGE_OPTIONS,
    LETTERS,
    Item,
    Kind,
    check_item,
    parse_answer,
    parse_difficulty,
)
from bot.domain.tabular import Limits, TableError, read_table
from bot.domain.text import is_blank, visible

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_CELL = 2000
HEADER_SEARCH_ROWS = 5

_HEADERS: dict[str, tuple[str, ...]] = {
    "stem": ("题干", "题目", "试题", "题目内容", "question", "stem"),
    "answer": ("答案", "正确答案", "参考答案", "answer"),
    "explanation": ("解析", "答案解析", "试题解析", "explanation"),
    "topic": ("分类", "类别", "题目分类", "知识点", "topic", "category"),
    "difficulty": ("难度", "难易程度", "difficulty"),
    "kind": ("题型", "类型", "kind", "type"),
    "code": ("编号", "题号", "代码", "code", "id"),
    "source": ("来源", "出处", "source"),
    **{f"option_{c}": (f"选项{c}", f"选项 {c}", c, f"option_{c.lower()}") for c in LETTERS},
}
REQUIRED = ("stem", "option_A", "option_B", "answer", "topic")
_KINDS = {
    "单选": Kind.SINGLE, "单选题": Kind.SINGLE, "单项选择": Kind.SINGLE, "单项选择题": Kind.SINGLE,
    "多选": Kind.MULTIPLE, "多选题": Kind.MULTIPLE, "多项选择": Kind.MULTIPLE,
    "多项选择题": Kind.MULTIPLE, "判断": Kind.JUDGE, "判断题": Kind.JUDGE,
    "single": Kind.SINGLE, "multiple": Kind.MULTIPLE, "judge": Kind.JUDGE,
}  # fmt: skip


_JUDGE_WORDS = (("对", "错"), ("√", "×"), ("正确", "错误"))


class BankFileError(ValueError):
    """The file cannot be read as a question bank at all: `code` "table" (the bounded reader
    refused it: `table` says why), "no_header" (`columns` the missing ones) or
    "too_many_rows"."""

    def __init__(
        self, code: str, columns: tuple[str, ...] = (), table: TableError | None = None
    ) -> None:
        super().__init__(code, *columns)
        self.code = code
        self.columns = columns
        self.table = table


@dataclass(frozen=True)
class RowError:
    row: int
    problems: tuple[str, ...]
    other_row: int | None = None  # a repeated question: where it first appeared


@dataclass(frozen=True)
class Parsed:
    items: list[Item] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)


# ------------------------------------------------------------------ the starter bank


def load_bank(folder: Path) -> list[Item]:
    """Every item of `data/quiz/*.toml`; raises ValueError naming the first bad item."""
    items: list[Item] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        topic = str(table["topic"])
        for raw in table.get("question", []):
            kind = Kind(raw["kind"])
            options = JUDGE_OPTIONS if kind is Kind.JUDGE else tuple(raw["options"])
            _, answer = parse_answer(str(raw["answer"]), kind, len(options))
            item = Item(
                code=str(raw["code"]),
                kind=kind,
                stem=str(raw["stem"]),
                options=tuple(str(o) for o in options),
                answer=answer,
                explanation=str(raw.get("explanation", "")),
                topic=topic,
                difficulty=int(raw.get("difficulty", 2)),
                source=str(raw.get("source", "")),
            )
            problems = check_item(item)
            if not item.source:
                problems.append("source")
            if item.code in seen:
                problems.append("code_repeated")
            if problems:
                raise ValueError(f"{path.name} {item.code}: {', '.join(problems)}")
            seen.add(item.code)
            items.append(item)
    return items


# ------------------------------------------------------------------ spreadsheets

LIMITS = Limits(
    max_bytes=MAX_BYTES,
    max_rows=MAX_ROWS + HEADER_SEARCH_ROWS,
    max_columns=32,
    max_cells=(MAX_ROWS + HEADER_SEARCH_ROWS) * 32,
    max_cell_chars=MAX_CELL,
    max_seconds=10.0,
    multiline_cells=True,  # a question or an explanation may span lines
)

TableRows = Sequence[tuple[int, Sequence[str]]]  # (row number as Excel shows it, cells)


def read_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The file's rows through the shared bounded reader; raises BankFileError."""
    try:
        table = read_table(data, filename, LIMITS)
    except TableError as exc:
        raise BankFileError("table", table=exc) from exc
    return [(r.number, [_cell(c) for c in r.cells]) for r in table.rows]


def _cell(value: str) -> str:
    return visible(value.replace("\r\n", "\n").replace("\r", "\n"))


def _header(row: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for index, cell in enumerate(row):
        key = cell.strip().strip("*＊:：").replace("（", "(").split("(")[0].strip()
        for column, names in _HEADERS.items():
            if key in names or key.lower() in names:
                out.setdefault(column, index)
    return out


def find_header(rows: TableRows) -> tuple[int, dict[str, int]]:
    """(index of the header row, column → cell index); a title row above it is allowed."""
    best: tuple[int, dict[str, int]] = (0, {})
    for number, (_, row) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _header(row)
        if len(found) > len(best[1]):
            best = (number, found)
    missing = tuple(c for c in REQUIRED if c not in best[1])
    if "stem" not in best[1] or "answer" not in best[1]:
        raise BankFileError("no_header", missing)
    if missing:
        raise BankFileError("no_header", missing)
    return best


def named_like_bank(filename: str) -> bool:
    """Whether a file's name says it is a question bank (题库, 试题, quiz), whatever it holds:
    such a file is answered as a bank even when it is too large to read."""
    return "题库" in filename or "试题" in filename or "quiz" in filename.lower()


def looks_like_bank(data: bytes, filename: str) -> bool:
    """Whether a document someone sent is meant as a question bank (and not, say, a roster)."""
    if named_like_bank(filename):
        return True
    try:
        find_header(read_rows(data, filename))
    except BankFileError:
        return False
    return True


def parse_rows(rows: TableRows) -> Parsed:
    """Items of a bank spreadsheet, or every row's problems (nothing is taken then)."""
    start, cols = find_header(rows)
    items: list[Item] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}

    def get(row: Sequence[str], column: str) -> str:
        index = cols.get(column)
        return row[index] if index is not None and index < len(row) else ""

    for offset, row in rows[start + 1 :]:
        if all(is_blank(c) for c in row):
            continue
        problems: list[str] = []
        options = [get(row, f"option_{c}") for c in LETTERS]
        while options and not options[-1]:
            options.pop()
        kind_text = get(row, "kind").strip()
        kind: Kind | None = _KINDS.get(kind_text) if kind_text else None
        if kind_text and kind is None:
            problems.append("kind")
        answer: tuple[int, ...] = ()
        try:
            kind, answer = parse_answer(get(row, "answer"), kind, len(options))
        except ValueError:
            problems.append("answer")
            kind = kind or Kind.SINGLE
        if kind is Kind.JUDGE and (not options or tuple(options) in _JUDGE_WORDS):
            options = list(JUDGE_OPTIONS)
        try:
            difficulty = parse_difficulty(get(row, "difficulty"))
        except ValueError:
            problems.append("difficulty")
            difficulty = 2
        stem = get(row, "stem")
        code = get(row, "code") or "imp-" + hashlib.sha1(stem.encode()).hexdigest()[:10]
        item = Item(
            code=code,
            kind=kind,
            stem=stem,
            options=tuple(options),
            answer=answer,
            explanation=get(row, "explanation"),
            topic=get(row, "topic"),
            difficulty=difficulty,
            source=get(row, "source"),
        )
        for p in check_item(item):
            if p not in problems and not (p == "answer" and "answer" in problems):
                problems.append(p)
        key = " ".join(stem.split())
        other = seen.get(key)
        if other is not None:
            errors.append(RowError(offset, (*problems, "stem_repeated"), other))
            continue
        seen[key] = offset
        if problems:
            errors.append(RowError(offset, tuple(problems)))
        else:
            items.append(item)
        if len(items) + len(errors) > MAX_ROWS:
            raise BankFileError("too_many_rows")
    return Parsed([] if errors else items, errors)


def parse_file(data: bytes, filename: str) -> Parsed:
    return parse_rows(read_rows(data, filename))


def rows_of(items: Sequence[Item]) -> Iterator[list[str]]:
    """Items back in the spreadsheet shape (header first): for export and round trips."""
    yield [
        "编号",
        "题型",
        "题干",
        *[f"选项{c}" for c in "ABCD"],
        "答案",
        "解析",
        "分类",
        "难度",
        "来源",
    ]
    names = {Kind.SINGLE: "单选", Kind.MULTIPLE: "多选", Kind.JUDGE: "判断"}
    for it in items:
        options = [] if it.kind is Kind.JUDGE else list(it.options)
        options += [""] * (4 - len(options))
        if it.kind is Kind.JUDGE:
            answer = "对" if it.answer == (0,) else "错"
        else:
            answer = "".join(LETTERS[i] for i in it.answer)
        level = {1: "易", 2: "中", 3: "难"}[it.difficulty]
        yield [it.code, names[it.kind], it.stem, *options[:4], answer, it.explanation, it.topic,
               level, it.source]  # fmt: skip
