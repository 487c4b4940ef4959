"""The Simplified Chinese catalog is complete: every string the code and templates mark for
translation has a non-empty, non-fuzzy translation that keeps its %(name)s placeholders."""
from __future__ import annotations

import pathlib
import re
import subprocess
import sys
import tempfile

from babel.messages.pofile import read_po

ROOT = pathlib.Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def _strings(value) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,)


def _extract():
    """Extract the catalog afresh with the same options as the Makefile/README (pybabel extract)."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = pathlib.Path(tmp) / "messages.pot"
        result = subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
             "-k", "_l", "-k", "lazy_gettext", "-o", str(pot),
             "--ignore-dirs=.venv tests migrations", "."],
            cwd=ROOT, capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stderr
        with pot.open("rb") as f:
            return read_po(f)


def _catalog():
    with PO_FILE.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def test_every_msgid_is_translated():
    template = _extract()
    catalog = _catalog()
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if (translated is None or translated.fuzzy
                or not all(s and s.strip() for s in _strings(translated.string))):
            missing.append(message.id)
    assert len([m for m in template if m.id]) > 0
    assert not missing, (
        f"{len(missing)} msgid(s) lack a non-fuzzy zh_Hans_CN translation in {PO_FILE.relative_to(ROOT)}; "
        "run pybabel extract/update and translate:\n" + "\n".join(repr(m) for m in missing)
    )


def test_translations_keep_placeholders():
    wrong = []
    for message in _catalog():
        if not message.id or not message.string:
            continue
        expected = set()
        for msgid in _strings(message.id):
            expected |= set(PLACEHOLDER.findall(msgid))
        for msgstr in _strings(message.string):
            if msgstr and set(PLACEHOLDER.findall(msgstr)) != expected:
                wrong.append(f"{message.id!r} -> {msgstr!r}")
    assert not wrong, "translations whose %(...)s placeholders differ from the msgid:\n" + "\n".join(wrong)
