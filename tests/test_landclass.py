"""Land classes of 三调 and 二调: reading values, kinds, filters.

Codes and names below are typed from GB/T 21010-2017, GB/T 21010-2007 and the 三调
work classification (TD/T 1055-2019 Table A.2), and the construction classes from
../shared/DOMAIN.md's list, not taken from the module's own tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redline import landclass, settings
from redline.errors import ConfigError, RedlineError
from redline.landclass import (
    class_filter,
    class_name,
    classify,
    equivalent_sandiao,
    infer_system,
    is_agricultural_non_farmland,
    is_construction,
    is_farmland,
    loss_kind,
)


def one(value: object, **kw: object) -> pd.Series:
    return classify(pd.Series([value], dtype=object), **kw).iloc[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "system", "code", "zh"),
    [
        # 三调 / GB/T 21010-2017
        ("0101", "三调", "0101", "水田"),
        ("0102", "三调", "0102", "水浇地"),
        ("0103", "三调", "0103", "旱地"),
        ("05H1", "三调", "05H1", "商业服务业设施用地"),
        ("05h1", "三调", "05H1", "商业服务业设施用地"),
        ("0508", "三调", "0508", "物流仓储用地"),
        ("0601", "三调", "0601", "工业用地"),
        ("08H2", "三调", "08H2", "科教文卫用地"),
        ("09", "三调", "09", "特殊用地"),
        ("1006", "三调", "1006", "农村道路"),
        ("1109", "三调", "1109", "水工建筑用地"),
        ("1201", "三调", "1201", "空闲地"),
        ("1202", "三调", "1202", "设施农用地"),
        ("1203", "三调", "1203", "田坎"),
        # suffixes: the work classification's own, and an unknown one kept on its base
        ("0301K", "三调", "0301K", "可调整乔木林地"),
        ("1104A", "三调", "1104A", "养殖坑塘"),
        ("1104k", "三调", "1104K", "可调整养殖坑塘"),
        ("0810A", "三调", "0810A", "广场用地"),
        ("0101B", "三调", "0101B", "水田"),
        # 二调 / GB/T 21010-2007
        ("011", "二调", "011", "水田"),
        ("012", "二调", "012", "水浇地"),
        ("013", "二调", "013", "旱地"),
        ("031", "二调", "031", "有林地"),
        ("063", "二调", "063", "仓储用地"),
        ("104", "二调", "104", "农村道路"),
        ("114", "二调", "114", "坑塘水面"),
        ("118", "二调", "118", "水工建筑用地"),
        ("121", "二调", "121", "空闲地"),
        ("122", "二调", "122", "设施农用地"),
        ("123", "二调", "123", "田坎"),
        ("205", "二调", "205", "风景名胜及特殊用地"),
        ("20", "二调", "20", "城镇村及工矿用地"),
        # names and code-plus-name forms
        ("水田", "三调", "0101", "水田"),
        ("有林地", "二调", "031", "有林地"),
        ("乔木林地", "三调", "0301", "乔木林地"),
        ("其它园地", "三调", "0204", "其他园地"),
        ("0101 水田", "三调", "0101", "水田"),
        ("0101水田", "三调", "0101", "水田"),
        ("水田(0101)", "三调", "0101", "水田"),
        ("011 水田", "二调", "011", "水田"),
        # full-width text, numbers from numeric fields (leading zero lost)
        ("０１０２", "三调", "0102", "水浇地"),
        ("１１０４Ａ", "三调", "1104A", "养殖坑塘"),
        (1001, "三调", "1001", "铁路用地"),
        (11, "二调", "011", "水田"),
        (13.0, "二调", "013", "旱地"),
        ("0103.0", "三调", "0103", "旱地"),
        ("301", "三调", "0301", "乔木林地"),
    ],
)
def test_classify_reads_both_systems(value: object, system: str, code: str, zh: str) -> None:
    got = one(value)
    assert (got["system"], got["code"], got["zh"]) == (system, code, zh)
    assert got["problem"] == ""


def test_011_is_never_padded_to_0011() -> None:
    assert one("011")["code"] == "011"
    assert one("011")["sandiao"] == "0101"
    with pytest.raises(ConfigError, match="'0011' is no 三调 or 二调 code"):
        class_filter(["0011"])


@pytest.mark.parametrize(("erdiao", "sandiao"), [
    ("011", "0101"), ("012", "0102"), ("013", "0103"), ("021", "0201"), ("022", "0202"),
    ("031", "0301"), ("032", "0305"), ("033", "0307"), ("042", "0403"), ("043", "0404"),
    ("051", "05H1"), ("054", "05H1"), ("061", "0601"), ("062", "0602"), ("063", "0508"),
    ("071", "0701"), ("072", "0702"), ("081", "08H1"), ("083", "08H2"), ("086", "0809"),
    ("087", "0810"), ("091", "09"), ("101", "1001"), ("102", "1003"), ("103", "1004"),
    ("104", "1006"), ("105", "1007"), ("114", "1104"), ("117", "1107"), ("118", "1109"),
    ("121", "1201"), ("122", "1202"), ("123", "1203"), ("125", "1108"), ("126", "1205"),
    ("201", None), ("20", None),
])
def test_erdiao_maps_to_sandiao(erdiao: str, sandiao: str | None) -> None:
    assert equivalent_sandiao(erdiao) == sandiao


def test_code_and_name_disagreeing_keeps_the_code_and_says_so() -> None:
    got = one("0101 旱地")
    assert got["code"] == "0101"
    assert "not 旱地" in got["problem"]


def test_unknown_and_blank_values() -> None:
    out = classify(pd.Series(["xyz", "", None, np.nan, "0199"], dtype=object))
    assert out["code"].isna().all()
    assert "'xyz' is no 三调 or 二调 code or name" in out["problem"].iloc[0]
    assert out["problem"].iloc[1:4].tolist() == ["", "", ""]
    assert "'0199'" in out["problem"].iloc[4]


@pytest.mark.parametrize(("values", "expect"), [
    (["101"], None),                       # 三调 0101 (zero lost) or 二调 101 铁路用地
    (["101", "1001"], "三调"),              # 1001 names the system
    (["101", "011"], "二调"),
    (["101", "111"], "二调"),               # 111 exists only in 二调
    ([101, 102, 103], None),
])
def test_ambiguous_codes_resolved_by_the_column(values: list[object], expect: str | None
                                                ) -> None:
    got = classify(pd.Series(values, dtype=object))
    assert got["system"].iloc[0] == expect
    if expect is None:
        assert "may be 二调 101 铁路用地 or 三调 0101 水田" in got["problem"].iloc[0]
        assert loss_kind(pd.Series(values, dtype=object)).iloc[0] == "unknown"
    else:
        assert got["zh"].iloc[0] == ("水田" if expect == "三调" else "铁路用地")


def test_system_given_overrides_inference() -> None:
    got = classify(pd.Series([101, 102, 103]), system="三调")
    assert got["code"].tolist() == ["0101", "0102", "0103"]
    got = classify(pd.Series(["101", "201"]), system="二调")
    assert got["zh"].tolist() == ["铁路用地", "城市"]
    got = classify(pd.Series(["有林地"]), system="三调")
    assert got["code"].iloc[0] is None
    with pytest.raises(ConfigError, match="三调, 二调"):
        classify(pd.Series(["0101"]), system="三次")  # type: ignore[arg-type]


def test_infer_system_says_why() -> None:
    system, why = infer_system(["0101", "0102", "101"])
    assert system == "三调"
    assert "2 of 3" in why
    assert infer_system(["0101", "011"])[0] is None
    assert "mix" in infer_system(["0101", "011"])[1]


def test_output_is_aligned_to_the_input_index() -> None:
    s = pd.Series(["011", "0601", None], index=[10, 5, 7], dtype=object)
    assert classify(s).index.tolist() == [10, 5, 7]
    assert is_construction(s).tolist() == [False, True, False]
    assert is_farmland(s).index.tolist() == [10, 5, 7]
    assert loss_kind(s).tolist() == ["farmland", "construction", "unknown"]


# Construction classes per DOMAIN.md ("Land-use codes (三调)"): 05H1, 0508, 0601, 0602,
# 0701, 0702, 08H1, 08H2, 0809, 0810, 09, 1001-1009 (1006 rural roads excepted, agricultural
# land), 1109, 1201; and their 二调 counterparts.
SANDIAO_CONSTRUCTION = ["05H1", "0508", "0601", "0602", "0603", "0701", "0702", "08H1", "08H2",
                        "0809", "0810", "0810A", "09", "1001", "1002", "1003", "1004", "1005",
                        "1007", "1008", "1009", "1109", "1201", "0501", "0604", "0906"]
ERDIAO_CONSTRUCTION = ["051", "052", "053", "054", "061", "062", "063", "071", "072", "081",
                       "082", "083", "084", "085", "086", "087", "088", "091", "095",
                       "105", "106", "107", "113", "118", "121", "205"]
NOT_CONSTRUCTION = ["0101", "0102", "0103", "0201", "0301K", "0404", "1006", "1101", "1103",
                    "1104", "1104A", "1107", "1202", "1203", "1207", "011", "021", "031", "043",
                    "104", "111", "114", "117", "122", "123", "127"]


@pytest.mark.parametrize("code", SANDIAO_CONSTRUCTION + ERDIAO_CONSTRUCTION)
def test_construction_classes(code: str) -> None:
    assert is_construction([code]).iloc[0]
    assert loss_kind(code) == "construction"


@pytest.mark.parametrize("code", ["101", "102", "103", "201", "202", "203", "204"])
def test_erdiao_construction_codes_that_need_the_system(code: str) -> None:
    assert is_construction([code], system="二调").iloc[0]
    assert not is_construction([code]).iloc[0]  # alone, ambiguous: not judged construction


@pytest.mark.parametrize("code", NOT_CONSTRUCTION)
def test_not_construction(code: str) -> None:
    assert not is_construction([code]).iloc[0]


@pytest.mark.parametrize(("code", "kind"), [
    ("0101", "farmland"), ("013", "farmland"), ("0102A", "farmland"),
    ("1202", "facility_agriculture"), ("122", "facility_agriculture"),
    ("1006", "other_agricultural_or_natural"), ("104", "other_agricultural_or_natural"),
    ("1104", "other_agricultural_or_natural"), ("114", "other_agricultural_or_natural"),
    ("1104A", "other_agricultural_or_natural"), ("0201", "other_agricultural_or_natural"),
    ("0301K", "other_agricultural_or_natural"), ("1203", "other_agricultural_or_natural"),
    ("1205", "other_agricultural_or_natural"), ("0404", "other_agricultural_or_natural"),
    ("1201", "construction"), ("1109", "construction"), ("0702", "construction"),
    ("10", "unknown"), ("11", "unknown"), ("", "unknown"), ("nonsense", "unknown"),
    ("01", "farmland"), ("耕地", "farmland"),
])
def test_loss_kind(code: str, kind: str) -> None:
    assert loss_kind(code) == kind


def test_agricultural_non_farmland() -> None:
    values = ["0201", "0301", "0401", "1104", "114", "1202", "122", "1006", "0101", "011",
              "0601", "1101", "0404"]
    assert is_agricultural_non_farmland(values).tolist() == [
        True, True, True, True, True, True, True, True, False, False, False, False, False]


def test_farmland_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    values = ["0101", "0102", "011", "012", "0103"]
    assert is_farmland(values).tolist() == [True] * 5
    monkeypatch.setattr(settings, "farmland_codes", ("0101",))
    assert is_farmland(values).tolist() == [True, False, True, False, False]
    assert loss_kind("012") == "other_agricultural_or_natural"


FILTER_VALUES = pd.Series(["0101", "0102", "0103", "011", "012", "013", "0101A", "0201", "021",
                           "05H1", "0501", "051", "0301", "0301K", "031", "0303", "1104",
                           "1104A", "114", None, "xyz"], dtype=object)


def kept(items: list[str | int]) -> set[str]:
    mask = class_filter(items)(FILTER_VALUES)
    return {v for v, m in zip(FILTER_VALUES, mask, strict=True) if m}


@pytest.mark.parametrize(("items", "expect"), [
    (["水田", "水浇地", "旱地"], {"0101", "0102", "0103", "011", "012", "013", "0101A"}),
    (["0101", "0102", "0103"], {"0101", "0102", "0103", "011", "012", "013", "0101A"}),
    (["011", "012", "013"], {"0101", "0102", "0103", "011", "012", "013", "0101A"}),
    (["0101 水田"], {"0101", "011", "0101A"}),
    (["01"], {"0101", "0102", "0103", "011", "012", "013", "0101A"}),
    (["耕地"], {"0101", "0102", "0103", "011", "012", "013", "0101A"}),
    (["05H1"], {"05H1", "0501", "051"}),
    (["051"], {"0501", "051"}),          # 051 批发零售 holds 0501 零售, not all of 05H1
    (["0301"], {"0301", "0301K"}),
    (["0301K"], {"0301K"}),
    (["031"], {"0301", "0301K", "031", "0303"}),
    (["03"], {"0301", "0301K", "031", "0303"}),
    (["1104"], {"1104", "1104A", "114"}),
    (["0501", "0502", "0503", "0504", "0505", "0506", "0507"], {"05H1", "0501", "051"}),
    (["坑塘水面"], {"1104", "1104A", "114"}),
    ([1104], {"1104", "1104A", "114"}),
])
def test_filter(items: list[str | int], expect: set[str]) -> None:
    assert kept(items) == expect


@pytest.mark.parametrize(("items", "message"), [
    (["0011"], "'0011' is no 三调 or 二调 code"),
    (["水天"], "did you mean 水田"),
    ([101], "ambiguous: it may be 二调 101 铁路用地 or 三调 0101 水田"),
    (["101"], "ambiguous"),
    ([""], "is empty"),
    (["0101", "0101 0102"], "holds 2 codes"),
])
def test_filter_errors_name_the_file_and_key(items: list[str | int], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        class_filter(items, path="/data/redline.toml", where="[layers.farmland] filter")
    text = str(info.value)
    assert text.startswith("/data/redline.toml: [layers.farmland] filter value")
    assert "fix:" in text
    assert isinstance(info.value, RedlineError)


def test_filter_describes_what_it_keeps() -> None:
    assert class_filter(["水田"]).describe() == "三调 0101 水田 / 二调 011 水田"


def test_names_in_both_languages() -> None:
    assert class_name("0101") == "水田"
    assert class_name("011", lang="en") == "Paddy field"
    assert class_name("1202", lang="en") == "Facility agricultural land"
    with pytest.raises(ConfigError):
        class_name("9999")


def test_tables_hang_together() -> None:
    sandiao, erdiao = landclass.TABLES["三调"], landclass.TABLES["二调"]
    for table in (sandiao, erdiao):
        for cls in table.values():
            assert all(p in table for p in cls.parents), cls
            assert cls.zh
            assert cls.en
    for code, parts in landclass._ERDIAO_PARTS.items():
        assert code in erdiao
        assert all(p in sandiao for p in parts), code
    # every level-two 二调 class outside group 20 has a 三调 counterpart
    assert {c for c, k in erdiao.items() if k.level == 2 and k.parents != ("20",)} == set(
        landclass._ERDIAO_PARTS)
    # GB/T 21010-2017 has 73 level-two classes (its foreword); 2007's, counted group by
    # group from its Table A.1: 3+3+3+3+4+3+2+8+5+7+9+7 = 57 (section 5.1 reads 56 in a
    # reproduction seen; the table is what was typed)
    level2_2017 = [c for c, k in sandiao.items() if k.level == 2 and len(c) == 4
                   and "H" not in c and c != "0508"]
    assert len(level2_2017) == 73
    assert len([c for c, k in erdiao.items() if k.level == 2 and k.parents != ("20",)]) == 57


def test_many_values_are_read_once_per_distinct_value() -> None:
    values = pd.Series(np.tile(np.array(["0101", "011", "0601", "1202", None], dtype=object),
                               20_000))
    out = loss_kind(values)
    assert out.value_counts().to_dict() == {
        "farmland": 40_000, "construction": 20_000, "facility_agriculture": 20_000,
        "unknown": 20_000}
