"""Cut the CJK fallback font the report embeds out of Debian's Noto Sans CJK (fonts-noto-cjk)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
TARGET = Path(__file__).resolve().parent.parent / "fonts" / "NotoSansCJK-Subset-Regular.otf"
#: The face whose glyph shapes serve all three languages: Japanese forms for the shared ideographs.
JAPANESE_FACE = 0
FAMILY = "Noto Sans CJK Subset"
POSTSCRIPT_NAME = "NotoSansCJKSubset-Regular"

# Latin letters, spaces and punctuation (Pango draws the spaces and punctuation between CJK words
# in the CJK font, and a space it lacks prints as a box), kana, CJK punctuation, Hangul
# compatibility jamo and full-width forms, whole.
BLOCKS = (
    (0x0020, 0x007E),
    (0x00A0, 0x00FF),
    (0x2000, 0x206F),
    (0x3000, 0x303F),
    (0x3040, 0x309F),
    (0x30A0, 0x30FF),
    (0x3130, 0x318F),
    (0x31F0, 0x31FF),
    (0xFF00, 0xFFEF),
)


def encoded_characters(codec: str, lead: range, trail: range) -> set[int]:
    """Every character a double-byte national standard encodes: the everyday repertoire of a language."""
    found = set()
    for first in lead:
        for second in trail:
            try:
                text = bytes((first, second)).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(ord(text))
    return found


def is_han(code: int) -> bool:
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF


def repertoire() -> set[int]:
    """JIS X 0208 (Japanese), GB 2312 (simplified Chinese), Big5 level 1 (traditional Chinese),
    KS X 1001's 2,350 Hangul syllables (modern Korean), and the blocks above."""
    high = range(0xA1, 0xFF)
    jis = encoded_characters("euc_jp", high, high)
    gb = encoded_characters("gb2312", range(0xA1, 0xF8), high)
    big5 = encoded_characters("big5", range(0xA4, 0xC7), range(0x40, 0xFF))
    ks = encoded_characters("euc_kr", high, high)
    characters = {c for c in jis | gb | big5 if is_han(c)}
    characters |= {c for c in ks if 0xAC00 <= c <= 0xD7A3}
    for first, last in BLOCKS:
        characters.update(range(first, last + 1))
    return characters


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE, help="NotoSansCJK-Regular.ttc")
    parser.add_argument("-o", "--output", type=Path, default=TARGET)
    args = parser.parse_args()
    if not args.source.is_file():
        print(f"{args.source} is missing: apt-get install fonts-noto-cjk", file=sys.stderr)
        return 1
    font = TTCollection(args.source).fonts[JAPANESE_FACE]
    options = subset.Options()
    options.hinting = False  # PDF viewers rasterise outlines themselves; hints only add bytes
    options.notdef_outline = True
    options.name_languages = [0x409]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(repertoire()))
    subsetter.subset(font)
    # A family name of its own, so the report's font is never confused with an installed Noto CJK.
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 4):
            names.setName(f"{FAMILY} Regular", record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName(POSTSCRIPT_NAME, 6, record.platformID, record.platEncID, record.langID)
    font["CFF "].cff.fontNames = [POSTSCRIPT_NAME]
    font.recalcTimestamp = False  # the same source gives the same bytes
    font.save(args.output)
    print(f"wrote {args.output}: {len(font.getBestCmap()):,} characters, {args.output.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
