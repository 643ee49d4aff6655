"""Every string has its Japanese translation, compiled, in the one catalogue officepass/locale
(docs/architecture.md, "Translations")."""

import gettext
import re
from pathlib import Path

import officepass

PACKAGE = Path(officepass.__file__).parent
LOCALE = PACKAGE / "locale" / "ja" / "LC_MESSAGES"


def entries(text: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs; continuation lines joined; plural forms take msgstr[0]."""
    pairs = []
    for block in text.split("\n\n"):
        if block.lstrip().startswith("#~"):
            continue
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr(?:\[0\])? ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            join = lambda raw: "".join(re.findall(r'"(.*)"', raw))  # noqa: E731
            pairs.append((join(msgid.group(1)), join(msgstr.group(1))))
    return pairs


def test_every_string_has_a_japanese_translation():
    found = [(i, s) for i, s in entries((LOCALE / "django.po").read_text("utf-8")) if i]
    assert len(found) > 100
    assert [i for i, s in found if not s] == []
    assert [
        i
        for i, s in found
        if "%(" in i and set(re.findall(r"%\(\w+\)", i)) != set(re.findall(r"%\(\w+\)", s))
    ] == []


def test_the_compiled_catalogue_matches_its_source():
    po = (LOCALE / "django.po").read_text("utf-8")
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert "fuzzy" not in po
    for msgid, msgstr in entries(po):
        if msgid and "\\" not in msgid:
            assert compiled.gettext(msgid.replace('\\"', '"')) == msgstr.replace('\\"', '"'), msgid


def test_there_is_one_catalogue():
    catalogues = sorted(p.relative_to(PACKAGE) for p in PACKAGE.rglob("django.po"))
    assert catalogues == [Path("locale/ja/LC_MESSAGES/django.po")]
