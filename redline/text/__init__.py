"""Words people read, in Chinese and English: labels, headers and message templates.

Each language has one module holding the same names (:mod:`redline.text.zh`,
:mod:`redline.text.en`): the names of rules, severities, layers and columns, and the
templates the rules fill in for each finding's message. Code asks for the words of a
run's language with :func:`words` and spells no word a user reads itself, so a wording
is changed, or a language added, in one place.

Examples
--------
>>> from redline import text
>>> text.check_lang("en")
'en'
>>> text.check_lang("fr")
Traceback (most recent call last):
...
redline.errors.ConfigError: lang was 'fr' but is expected to be 'zh' or 'en'; fix: ...
"""

from __future__ import annotations

from typing import Final, Literal

from redline.errors import ConfigError

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
