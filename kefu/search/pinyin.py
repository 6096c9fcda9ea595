"""Pinyin spellings of a Chinese name, so a customer is found by how the name sounds — pure, no Django.

An agent on the phone often hears a name before knowing how it is written and types it in
pinyin: 熊瑶 is found by ``xiongyao``, ``xiong yao``, ``xiongy`` or the initials ``xy``. A
name's spellings are its syllables, the syllables run together, and the initials:

* every character in the reading pypinyin picks for the phrase, and the surname (first
  character) also in its reading as a surname where that differs (曾 zeng as well as ceng,
  单 shan, 解 xie, 区 ou: ``SURNAME_READINGS``);
* ü both as pypinyin writes it (吕 lv) and as many people type it (lu).

Only Chinese characters are spelled: digits and other text in a name never reach the
spellings (search masks numbers by the text it verifies; see ``selectors._masked_text``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product

__all__ = ["name_spellings"]

MAX_CHARS = 8  # longer names (companies) are spelled by their first eight characters
# Surnames read otherwise than the character usually is (百家姓 polyphones).
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "区": "ou", "朴": "piao", "覃": "qin", "乐": "yue", "查": "zha",
    "仇": "qiu", "盖": "ge", "尉": "yu", "缪": "miao", "召": "shao", "种": "chong", "秘": "bi", "折": "she",
    "句": "gou", "员": "yun", "繁": "po", "翟": "zhai", "厍": "she", "隗": "wei", "重": "chong", "能": "nai",
    "都": "du", "阚": "kan", "粘": "nian", "祭": "zhai", "柏": "bai", "牟": "mou",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


@lru_cache(maxsize=1)
def _pypinyin():  # type: ignore[no-untyped-def]
    # Imported on first use: its dictionaries take a fifth of a second to load (a server loads
    # them at start-up, see kefu.front.warmup).
    import pypinyin

    return pypinyin


def _readings(name: str) -> list[list[str]]:
    """Per character, its readings: the phrase's, and for the surname also its surname reading."""
    pypinyin = _pypinyin()
    chosen = pypinyin.lazy_pinyin(name, style=pypinyin.Style.NORMAL, errors="ignore")
    if len(chosen) != len(name):  # a character without a reading: spell nothing rather than misalign
        return []
    surname = SURNAME_READINGS.get(name[0], chosen[0])
    first = [chosen[0]] if surname == chosen[0] else [surname, chosen[0]]
    return [first, *([reading] for reading in chosen[1:])]


def _with_u(syllable: str) -> list[str]:
    return [syllable, syllable.replace("v", "u")] if "v" in syllable else [syllable]


@lru_cache(maxsize=4096)
def name_spellings(name: str) -> tuple[str, ...]:
    """The lower-case pinyin spellings of the Chinese characters of ``name`` (empty: none)."""
    chars = "".join(_CJK.findall(name))[:MAX_CHARS]
    if not chars:
        return ()
    readings = _readings(chars)
    spellings: dict[str, None] = {}
    for combination in product(*readings):
        for spelled in product(*(_with_u(s) for s in combination)):
            spellings.update(dict.fromkeys(spelled))  # each syllable: xiong, yao
            spellings["".join(spelled)] = None  # run together: xiongyao
            spellings["".join(s[0] for s in spelled)] = None  # initials: xy
    return tuple(s for s in spellings if s.isascii() and s.isalpha())
