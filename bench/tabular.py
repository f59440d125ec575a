"""Benchmark: peak memory and time of reading hostile tables, against a legit roster.

Each file is built here, written to a temporary directory, and read by `read_table` in a fresh
child process, which reports its peak RSS (VmHWM) and the seconds the read took. The
baseline is the same child reading a legit 20,000-person roster (the largest we accept); a
hostile file must cost no more than a small multiple of it, and be refused.

Files: a 2.5 MB XLSX whose sheet claims A1:XFD1048576; a 400 KB XLSX with a 1,000,000-entry
shared-strings table; an XLSX whose sheet inflates to 200 MB; a 6 MB CSV; a CSV with an
unclosed quote. Prints one JSON line.

    .venv/bin/python bench/tabular.py [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
WB = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
CHILD = """
import sys, time
from bot.domain.tabular import TableError, read_table
data = open(sys.argv[1], "rb").read()
start = time.perf_counter()
try:
    table = read_table(data, sys.argv[1])
    outcome = f"read {len(table.rows)} rows"
except TableError as exc:
    outcome = exc.code
took = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter survives exec and would report the parent's peak.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(int(hwm) / 1024, took, outcome)
"""


def xlsx(sheet: str, extra: dict[str, bytes | str] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return buf.getvalue()


def legit_xlsx(csv_text: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["XX公司职工花名册"])
    for line in csv_text.splitlines():
        ws.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def files() -> dict[str, tuple[str, bytes]]:
    header = "单位,班组,工号,姓名,职务,手机\n"
    legit = header + "".join(
        f"第{i % 7}分场,第{i % 300}班组,{100000 + i},职工{i},班长,1380000{i % 10000:04d}\n"
        for i in range(20_000)
    )
    corner = (
        f'<worksheet {NS}><dimension ref="A1:XFD1048576"/><sheetData>'
        + "".join(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x{r}</t></is></c></row>'
            for r in range(1, 11)
        )
        + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    sst = f"<sst {NS}>" + "<si><t>重复</t></si>" * 1_000_000 + "</sst>"
    inflating = f"<worksheet {NS}><sheetData>" + "<row/>" * 35_000_000 + "</sheetData></worksheet>"
    return {
        "legit_roster_20000.csv": ("legit", legit.encode()),
        "legit_roster_20000.xlsx": ("legit", legit_xlsx(legit)),
        "huge_dimension.xlsx": (
            "hostile",
            xlsx(corner, {"xl/media/image1.png": os.urandom(int(2.5 * 1024 * 1024))}),
        ),
        "huge_shared_strings.xlsx": (
            "hostile",
            xlsx(f"<worksheet {NS}><sheetData/></worksheet>", {"xl/sharedStrings.xml": sst}),
        ),
        "inflates_200mb.xlsx": ("hostile", xlsx(inflating)),
        "six_mb.csv": ("hostile", (legit * 6).encode()[: 6 * 1024 * 1024]),
        "unclosed_quote.csv": ("hostile", (header + '"一分场,0班,805008,孙八\n' + legit).encode()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, object] = {"bench": "tabular", "runs": args.runs}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (kind, data) in files().items():
            path = Path(tmp) / name
            path.write_bytes(data)
            peaks, times, outcome = [], [], ""
            for _ in range(args.runs):
                line = subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split(maxsplit=2)
                peaks.append(float(line[0]))
                times.append(float(line[1]))
                outcome = line[2].strip()
            out[name] = {
                "kind": kind,
                "file_kb": len(data) // 1024,
                "peak_rss_mb": [round(min(peaks), 1), round(max(peaks), 1)],
                "read_s": [round(min(times), 3), round(max(times), 3)],
                "outcome": outcome,
            }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
