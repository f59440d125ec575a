"""The CJK font the charts draw with, shipped in `data/fonts/` and used by its path.

Charts must be Chinese on any machine, with or without a system CJK font and whatever
matplotlib's font cache remembers from before a font was installed. So the project ships a
subset of Noto Sans CJK SC (SIL Open Font License 1.1, `data/fonts/OFL.txt`) and registers
that file with matplotlib by path in every process that draws a chart.

The subset holds the 3,500 characters of level 1 of 《通用规范汉字表》 (2013,
`data/fonts/tonggui-level1.txt`) so that names render, every CJK character in the project's
texts under `data/`, ASCII and the usual CJK punctuation. Rebuild it after adding texts with
characters outside that set:

    python -m bot.views.fonts /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

(Debian's `fonts-noto-cjk`; the collection's Simplified Chinese face is picked by name.)
The subset is renamed (OFL: a modified font does not keep the original's name).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bot.paths import DATA

FONTS = DATA / "fonts"
CHART_FONT = FONTS / "BanzuSansSC-Regular.otf"
LEVEL1 = FONTS / "tonggui-level1.txt"
FAMILY = "Banzu Sans SC"
SOURCE_FACE = "Noto Sans CJK SC"

# Texts whose characters go into the subset: everything a chart or a workbook might show
# (labels, titles, team and unit names of the demo). Large corpora (the tagger's examples and
# dictionary) are left out: a chart never shows them verbatim.
TEXT_GLOBS = (
    "texts/**/*.toml",
    "demo/**/*",
    "prompts/**/*.toml",
    "tagging/lexicon.toml",
    "tagging/topics.md",
)

_PUNCTUATION = (
    "，。、；：？！“”‘’（）《》〈〉【】〔〕「」『』—–…·～％＋－＝×÷±≤≥℃°‰→←↑↓•√①②③④⑤⑥⑦⑧⑨⑩"
)


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (the unified blocks and extension A), the characters a font subset
    must carry for Chinese text."""
    cp = ord(ch)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def cjk_in(texts: Iterable[str]) -> set[str]:
    return {ch for text in texts for ch in text if is_cjk(ch)}


def data_texts(root: Path = DATA) -> list[str]:
    out = []
    for pattern in TEXT_GLOBS:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                out.append(path.read_text(encoding="utf-8"))
    return out


def subset_chars(root: Path = DATA) -> str:
    """Every character the shipped subset holds, in code point order."""
    chars = set(LEVEL1.read_text(encoding="utf-8").strip())
    chars |= cjk_in(data_texts(root))
    chars |= {chr(c) for c in range(0x20, 0x7F)}
    chars |= set(_PUNCTUATION)
    chars.discard("\n")
    return "".join(sorted(chars))


@cache
def chart_font_family() -> str:
    """Registers the shipped font with matplotlib (by path, so no cache or system font is
    involved) and returns its family name."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(CHART_FONT))
    return font_manager.FontProperties(fname=str(CHART_FONT)).get_name()


def build(source: Path, out: Path = CHART_FONT) -> int:
    """Writes the subset of `source` (a .ttc or .otf holding Noto Sans CJK SC) to `out`;
    returns its size in bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.suffix.lower() in (".ttc", ".otc"):
        faces = TTCollection(str(source)).fonts
        font = next(f for f in faces if f["name"].getDebugName(1) == SOURCE_FACE)
    else:
        font = TTFont(str(source))
    options = subset.Options()
    options.drop_tables += ["vhea", "vmtx", "VORG", "BASE"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=subset_chars())
    subsetter.subset(font)
    _rename(font)
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out))
    return out.stat().st_size


def _rename(font: object) -> None:
    names = font["name"]  # type: ignore[index]
    postscript = FAMILY.replace(" ", "") + "-Regular"
    for record in names.names:
        if record.nameID in (1, 16):
            record.string = FAMILY
        elif record.nameID == 4:
            record.string = f"{FAMILY} Regular"
        elif record.nameID == 3:
            record.string = f"{postscript};subset of {SOURCE_FACE} 2.004"
        elif record.nameID == 6:
            record.string = postscript
    cff = font["CFF "].cff  # type: ignore[index]
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName = f"{FAMILY} Regular"
    top.FamilyName = FAMILY


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bot.views.fonts NotoSansCJK-Regular.ttc", file=sys.stderr)
        return 2
    size = build(Path(args[0]))
    print(f"{CHART_FONT.name}: {len(subset_chars())} characters, {size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
