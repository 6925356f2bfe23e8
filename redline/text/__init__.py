"""Words people read, in Chinese and English: labels, headers and message templates.

Each language has one module holding the same names (:mod:`redline.text.zh`,
:mod:`redline.text.en`): the names of rules, severities, layers and columns, and the
templates the rules fill in for each finding's message. Code asks for the words of a
run's language with :func:`words` and spells no word a user reads itself, so a wording
is changed, or a language added, in one place.

Examples
--------
>>> from redline import text
>>> text.rule_name("idle_1y", "zh"), text.rule_name("idle_1y", "en")
('闲置满一年', 'Idle one year')
>>> text.header("area_mu", "zh"), text.header("idle_1y_count", "en")
('面积(亩)', 'Idle one year: count')
>>> text.check_lang("en")
'en'
>>> text.check_lang("fr")
Traceback (most recent call last):
...
redline.errors.ConfigError: lang was 'fr' but is expected to be 'zh' or 'en'; fix: ...
"""

from __future__ import annotations

from types import ModuleType
from typing import Final, Literal

from redline.errors import ConfigError
from redline.text import en, zh

#: A language of messages, headers, maps and reports.
Lang = Literal["zh", "en"]

#: Every language, the default first.
LANGS: Final[tuple[Lang, ...]] = ("zh", "en")


def check_lang(lang: object) -> Lang:
    """Return ``lang`` when it is a language redline writes in; else a :class:`ConfigError`."""
    if lang == "zh":
        return "zh"
    if lang == "en":
        return "en"
    raise ConfigError(f"lang was {lang!r} but is expected to be 'zh' or 'en'",
                      fix="pass lang='zh' or lang='en'")


def words(lang: Lang) -> ModuleType:
    """Return the module of ``lang``'s words (:mod:`redline.text.zh` or :mod:`redline.text.en`)."""
    return en if lang == "en" else zh


def rule_name(rule: str, lang: Lang) -> str:
    """Name of a rule code in ``lang`` (the code itself when unknown)."""
    names: dict[str, str] = words(lang).RULE_NAMES
    return names.get(rule, rule)


def severity_name(severity: str, lang: Lang) -> str:
    """Name of a severity code in ``lang`` (the code itself when unknown)."""
    names: dict[str, str] = words(lang).SEVERITY_NAMES
    return names.get(severity, severity)


def layer_name(role: str, lang: Lang) -> str:
    """Name of a layer role in ``lang`` (the role itself when unknown)."""
    names: dict[str, str] = words(lang).LAYER_NAMES
    return names.get(role, role)


def header(column: str, lang: Lang) -> str:
    """Header of ``column`` in ``lang``; per-rule summary columns are composed.

    Findings, features, summary and ledger columns have headers of their own; a column
    with none is its own header.
    """
    w = words(lang)
    if column in w.LEDGER_HEADERS:
        return str(w.LEDGER_HEADERS[column])
    if column in w.HEADERS:
        return str(w.HEADERS[column])
    for suffix, what in w.RULE_COLUMN_SUFFIXES.items():
        rule = column.removesuffix(suffix)
        if column.endswith(suffix) and rule in w.RULE_NAMES:
            return str(w.RULE_COLUMN.format(rule=w.RULE_NAMES[rule], what=what))
    return column


def regulation(rule: str, lang: Lang) -> str:
    """Return the regulation ``rule`` enforces, in ``lang``, as its findings quote it."""
    return str(words(lang).REGULATIONS[rule])
