"""The words people read: both languages say the same things, with the same blanks to fill."""

from __future__ import annotations

import string
from types import ModuleType
from typing import Any

import pytest

from redline import text
from redline.errors import ConfigError
from redline.schema import FIELDS, RULES
from redline.text import en, zh


def _public(module: ModuleType) -> dict[str, Any]:
    return {name: value for name, value in vars(module).items()
            if name.isupper() and not name.startswith("_")}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _texts(value: Any, where: str) -> dict[str, str]:
    """Every text of a value (a text, or tables of texts), by where it is."""
    if isinstance(value, str):
        return {where: value}
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out |= _texts(item, f"{where}[{key!r}]")
        return out
    if isinstance(value, tuple | list):
        out = {}
        for i, item in enumerate(value):
            out |= _texts(item, f"{where}[{i}]")
        return out
    raise AssertionError(f"{where}: {type(value).__name__} is not text")


def test_both_languages_define_the_same_names_and_keys() -> None:
    assert _public(zh).keys() == _public(en).keys()
    zh_texts = {k: v for name, value in _public(zh).items() for k, v in _texts(value, name).items()}
    en_texts = {k: v for name, value in _public(en).items() for k, v in _texts(value, name).items()}
    assert zh_texts.keys() == en_texts.keys()


def test_each_template_has_the_same_blanks_in_both_languages() -> None:
    zh_texts = {k: v for name, value in _public(zh).items() for k, v in _texts(value, name).items()}
    en_texts = {k: v for name, value in _public(en).items() for k, v in _texts(value, name).items()}
    different = {k: (_fields(zh_texts[k]), _fields(en_texts[k])) for k in zh_texts
                 if _fields(zh_texts[k]) != _fields(en_texts[k])}
    assert different == {}


def test_every_rule_has_a_name_and_the_languages_differ() -> None:
    for lang in text.LANGS:
        assert set(text.words(lang).RULE_NAMES) == set(RULES)
    assert all(text.rule_name(r, "zh") != text.rule_name(r, "en") for r in RULES)


def test_every_rule_quotes_its_regulation() -> None:
    for lang in text.LANGS:
        assert set(text.words(lang).REGULATIONS) == set(RULES)
        assert all(text.regulation(rule, lang) for rule in RULES)


def test_every_field_in_a_popup_has_a_label() -> None:
    every = {f for fields in FIELDS.values() for f in fields}
    # Fields of the industrial indicators are shown by their own names.
    shown = every - {"plot_ratio", "building_coefficient", "green_ratio", "office_share",
                     "industry"}
    assert shown <= set(zh.FIELD_NAMES)


def test_unknown_codes_are_shown_as_they_are() -> None:
    assert text.rule_name("no_such_rule", "zh") == "no_such_rule"
    assert text.severity_name("odd", "en") == "odd"
    assert text.layer_name("planned", "zh") == "planned"
    assert text.header("some_column", "en") == "some_column"


@pytest.mark.parametrize("lang", ["fr", "ZH", None, 1])
def test_a_language_not_written_is_a_config_error(lang: object) -> None:
    with pytest.raises(ConfigError, match="lang was"):
        text.check_lang(lang)
