import datetime

import numpy as np
import pandas as pd
import pytest

from redline.io.values import (
    parse_bools,
    parse_codes,
    parse_dates,
    parse_field,
    parse_land_uses,
    parse_numbers,
    parse_supply_methods,
)

OCT1 = pd.Timestamp("2009-10-01")


@pytest.mark.parametrize(
    "raw",
    ["2009-10-01", "2009/10/1", "20091001", "2009年10月1日", "2009.10.01", "2009-10-01 08:30:00",
     datetime.date(2009, 10, 1), datetime.datetime(2009, 10, 1, 12), 20091001],
)
def test_date_spellings(raw):
    values, problems = parse_dates(pd.Series([raw], dtype=object))
    assert values.dtype == "datetime64[ns]"
    assert values[0] == OCT1
    assert problems[0] == ""


@pytest.mark.parametrize("raw", ["bad", "2009-13-01", "2009年2月30日", "10/01/2009", "3000-01-01"])
def test_unparseable_date_is_nat_with_a_problem(raw):
    values, problems = parse_dates(pd.Series([raw, "2009-10-01"]))
    assert pd.isna(values[0])
    assert values[1] == OCT1
    assert repr(raw) in problems[0]
    assert problems[1] == ""


def test_blank_dates_are_missing_without_a_problem():
    values, problems = parse_dates(pd.Series([None, "", "  ", np.nan], dtype=object))
    assert values.isna().all()
    assert (problems == "").all()


def test_datetime_column_passes_through():
    raw = pd.Series(pd.to_datetime(["2009-10-01", None]))
    values, problems = parse_dates(raw)
    assert values[0] == OCT1
    assert pd.isna(values[1])
    assert (problems == "").all()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("划拨", "allocation"), ("协议出让", "negotiation"), ("协议", "negotiation"),
     ("招标", "tender"), ("拍卖", "auction"), ("挂牌", "listing"), ("挂牌出让", "listing"),
     ("Auction", "auction"), ("negotiation", "negotiation"), (" 划拨 ", "allocation")],
)
def test_supply_methods(raw, expected):
    values, problems = parse_supply_methods(pd.Series([raw]))
    assert values[0] == expected
    assert problems[0] == ""


def test_unknown_supply_method():
    values, problems = parse_supply_methods(pd.Series(["出租", None]))
    assert values[0] is None
    assert values[1] is None
    assert "出租" in problems[0]
    assert problems[1] == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("工业用地", "0601"), ("工业", "0601"), ("industrial", "0601"),
     ("商服用地", "05H1"), ("商业", "05H1"), ("commercial", "05H1"),
     ("住宅用地", "0701"), ("城镇住宅用地", "0701"), ("residential", "0701"),
     ("农村宅基地", "0702"), ("采矿用地", "0602"), ("物流仓储用地", "0508"),
     ("公路用地", "1003"), ("水工建筑用地", "1109"), ("空闲地", "1201"),
     ("0601", "0601"), ("05h1", "05H1"), ("0301K", "0301K"), ("1104A", "1104A"),
     (601, "0601"), ("08H2", "08H2"),
     # 二调 codes keep their three digits (051 was once read as "0051").
     ("051", "051"), ("061", "061"), ("071", "071"), ("0601A", "0601A"),
     # Kinds of housing and commercial land as the land-market monitoring names them.
     ("经济适用住房用地", "0701"), ("公共租赁住房用地", "0701"), ("普通商品住房用地", "0701"),
     ("旅馆用地", "0504"), ("娱乐用地", "0506")],
)
def test_land_uses(raw, expected):
    values, problems = parse_land_uses(pd.Series([raw], dtype=object))
    assert values[0] == expected
    assert problems[0] == ""


def test_unknown_land_use():
    values, problems = parse_land_uses(pd.Series(["月球基地"]))
    assert values[0] is None
    assert "月球基地" in problems[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("true", True), ("False", False), ("yes", True), ("NO", False),
     ("1", True), ("0", False), (1, True), (0.0, False), ("Y", True), ("n", False)],
)
def test_bools(raw, expected):
    values, problems = parse_bools(pd.Series([raw], dtype=object))
    assert values.dtype == "boolean"
    assert bool(values[0]) is expected
    assert problems[0] == ""


def test_unparseable_bool():
    values, problems = parse_bools(pd.Series(["也许", None], dtype=object))
    assert values.isna().all()
    assert "也许" in problems[0]
    assert problems[1] == ""


def test_numbers_with_commas():
    values, problems = parse_numbers(pd.Series(["1,234.5", "12", "x", None, " 3 "], dtype=object))
    assert values.dtype == "float64"
    assert values[:2].tolist() == [1234.5, 12.0]
    assert np.isnan(values[2])
    assert np.isnan(values[3])
    assert values[4] == 3.0
    assert problems.tolist()[2].startswith("number")
    assert problems[0] == problems[1] == problems[3] == ""


def test_codes_keep_text():
    values, _ = parse_codes(pd.Series([210302.0, " 210303 ", None], dtype=object))
    assert values.tolist() == ["210302", "210303", None]
    padded, _ = parse_codes(pd.Series([101, "0103k"], dtype=object), width=4)
    assert padded.tolist() == ["0101", "0103K"]


def test_parse_field_dispatches_by_kind_and_keeps_the_index():
    raw = pd.Series(["划拨", "x"], index=[10, 20])
    values, problems = parse_field(raw, "supply_method")
    assert values.index.tolist() == [10, 20]
    assert values[10] == "allocation"
    assert problems[20] != ""
    strings, _ = parse_field(pd.Series([" a ", ""]), "str")
    assert strings.tolist() == ["a", None]


def test_input_is_not_mutated():
    raw = pd.Series(["2009年10月1日", "bad"])
    before = raw.copy()
    parse_dates(raw)
    pd.testing.assert_series_equal(raw, before)


@pytest.mark.parametrize("parse", [parse_codes, parse_numbers, parse_dates, parse_bools,
                                   parse_land_uses, parse_supply_methods])
@pytest.mark.parametrize("kind", ["text", "mixed", "string"])
def test_a_long_column_parses_as_its_values_one_by_one(parse, kind):
    # A long column is parsed once per distinct value: each row must get what its
    # value alone gives (a short column is parsed row by row).
    pool = ["0101", " 0102 ", "103", None, "2019-01-02", "2019年3月4日", "20200101", "bad",
            "是", "否", "  ", "划拨", "工业用地", "1,234.5", "12", "TRUE", "0"]
    if kind == "mixed":
        pool += [101.0, 12, True, 1, np.nan, datetime.date(2020, 5, 6),
                 datetime.date(1800, 1, 1)]
    dtype = "string" if kind == "string" else object
    pick = np.random.default_rng(3).integers(0, len(pool), 20_000)
    raw = pd.Series(np.array(pool, dtype=object)[pick], dtype=dtype, index=pick * 7)
    values, problems = parse(raw)
    alone = [parse(pd.Series([v], dtype=dtype)) for v in pool]
    assert list(values.index) == list(raw.index)
    want_values = pd.concat([a[0] for a in alone], ignore_index=True).iloc[pick]
    want_problems = pd.concat([a[1] for a in alone], ignore_index=True).iloc[pick]
    pd.testing.assert_series_equal(values.reset_index(drop=True),
                                   want_values.reset_index(drop=True), check_dtype=False)
    assert problems.tolist() == want_problems.tolist()
    assert values.dtype == alone[0][0].dtype


def test_a_long_date_column_of_date_objects():
    days = [datetime.date(2020, 1, 1), datetime.date(1800, 1, 1), None, datetime.date(2021, 2, 3)]
    pick = np.random.default_rng(4).integers(0, len(days), 30_000)
    values, problems = parse_dates(pd.Series(np.array(days, dtype=object)[pick]))
    want = pd.Series([pd.Timestamp(2020, 1, 1), pd.NaT, pd.NaT, pd.Timestamp(2021, 2, 3)])
    assert values.tolist() == want.iloc[pick].tolist()
    assert (problems[pick == 1] != "").all()
    assert (problems[pick != 1] == "").all()


# --- numbers that are not finite or lie outside their field's range -----------------


@pytest.mark.parametrize("raw", ["inf", "-inf", "Infinity", "nan", float("inf"), -np.inf])
def test_a_number_that_is_not_finite_is_not_read(raw):
    values, problems = parse_numbers(pd.Series([raw, "3"], dtype=object))
    assert np.isnan(values[0])
    assert values[1] == 3.0
    assert problems[0] != ""
    assert problems[1] == ""


def test_infinite_floats_in_a_numeric_column_are_not_read():
    values, problems = parse_numbers(pd.Series([1.5, np.inf, np.nan]))
    assert values.isna().tolist() == [False, True, True]
    assert problems.tolist() == ["", "number: 'inf' is not a finite number", ""]


@pytest.mark.parametrize(("field", "raw", "why"), [
    ("price", "-1e12", "is below 0"),
    ("invest_total", "-1", "is below 0"),
    ("built_area_ratio", "-5", "-5 is below 0"),
    ("built_area_ratio", "250", "250 is above 100"),
    ("green_ratio", "101", "is above 100"),
    ("grade", "0", "0 is below 1"),
    ("grade", "16", "16 is above 15"),
])
def test_a_number_outside_its_field_range_is_not_read(field, raw, why):
    values, problems = parse_field(pd.Series([raw, "1"], dtype=object), "float", field)
    assert np.isnan(values[0])
    assert values[1] == 1.0
    assert why in problems[0]
    assert problems[1] == ""


@pytest.mark.parametrize(("field", "raw"), [
    ("price", "0"), ("built_area_ratio", "0.4"), ("built_area_ratio", "40"),
    ("grade", "15"), ("plot_ratio", "12.5"),
])
def test_numbers_inside_their_range_are_kept(field, raw):
    values, problems = parse_field(pd.Series([raw], dtype=object), "float", field)
    assert values[0] == float(raw)
    assert problems[0] == ""
