"""The national standard tables against the documents' own figures, typed here by hand.

Figures: 工业项目建设用地控制指标 (国土资发〔2008〕24号) Table 2 (plot ratio) for every
industry class, the region classes of Table 1, the common indicators; 全国工业用地出让最低价标准
(国土资发〔2006〕307号) Annex 1 for every land grade. How far each figure is confirmed is in
redline/data/README.md; the ``verified`` flags are checked against that here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from redline import standards
from redline.errors import ConfigError, InputError

# Table 2 of 国土资发〔2008〕24号: code (GB/T 4754-2002), name as printed, minimum plot ratio.
PLOT_RATIO_2008 = [
    (13, "农副食品加工业", 1.0),
    (14, "食品制造业", 1.0),
    (15, "饮料制造业", 1.0),
    (16, "烟草加工业", 1.0),
    (17, "纺织业", 0.8),
    (18, "纺织服装鞋帽制造业", 1.0),
    (19, "皮革、毛皮、羽绒及其制品业", 1.0),
    (20, "木材加工及竹、藤、棕、草制品业", 0.8),
    (21, "家具制造业", 0.8),
    (22, "造纸及纸制品业", 0.8),
    (23, "印刷业、记录媒介的复制", 0.8),
    (24, "文教体育用品制造业", 1.0),
    (25, "石油加工、炼焦及核燃料加工业", 0.5),
    (26, "化学原料及化学制品制造业", 0.6),
    (27, "医药制造业", 0.7),
    (28, "化学纤维制造业", 0.8),
    (29, "橡胶制品业", 0.8),
    (30, "塑料制品业", 1.0),
    (31, "非金属矿物制品业", 0.7),
    (32, "黑色金属冶炼及压延加工业", 0.6),
    (33, "有色金属冶炼及压延加工业", 0.6),
    (34, "金属制品业", 0.7),
    (35, "通用设备制造业", 0.7),
    (36, "专用设备制造业", 0.7),
    (37, "交通运输设备制造业", 0.7),
    (39, "电气机械及器材制造业", 0.7),
    (40, "通信设备、计算机及其他电子设备制造业", 1.0),
    (41, "仪器仪表及文化、办公用机械制造业", 1.0),
    (42, "工艺品及其他制造业", 1.0),
    (43, "废弃资源和废旧材料回收加工业", 0.7),
]
# Codes 13-33 are confirmed in two independent reproductions, 34-43 in one.
PLOT_RATIO_TWO_SOURCES = set(range(13, 34))

# Annex 1 of 国土资发〔2006〕307号: land grade, name, minimum price in 元/平方米.
LAND_PRICE_2006 = [
    (1, "一等", 840), (2, "二等", 720), (3, "三等", 600), (4, "四等", 480), (5, "五等", 384),
    (6, "六等", 336), (7, "七等", 288), (8, "八等", 252), (9, "九等", 204), (10, "十等", 168),
    (11, "十一等", 144), (12, "十二等", 120), (13, "十三等", 96), (14, "十四等", 84),
    (15, "十五等", 60),
]
# Confirmed in two or more sources: 一等 and 十五等; in one: 二等..四等; the rest in none.
LAND_PRICE_VERIFIED = {1: "yes", 15: "yes", 2: "single", 3: "single", 4: "single"}

# Table 1 header of 国土资发〔2008〕24号: region class -> the land grades it covers.
REGION_CLASS_GRADES = {1: (1, 2, 3, 4), 2: (5, 6), 3: (7, 8), 4: (9, 10), 5: (11, 12),
                       6: (13, 14), 7: (15,)}


# --------------------------------------------------------------------------- the tables


def test_the_industry_table_has_exactly_the_documents_rows():
    assert [i.code for i in standards.default().industries] == [c for c, _, _ in PLOT_RATIO_2008]


@pytest.mark.parametrize(("code", "name", "ratio"), PLOT_RATIO_2008,
                         ids=[f"{c}-{n}" for c, n, _ in PLOT_RATIO_2008])
def test_plot_ratio_of_every_industry(code, name, ratio):
    by_code = standards.industry(str(code), classification="2002")
    by_name = standards.industry(name)
    assert by_code is not None
    assert by_code is by_name
    assert by_code.name == name
    assert standards.min_plot_ratio(by_code) == pytest.approx(ratio)
    assert standards.min_plot_ratio(name) == pytest.approx(ratio)
    assert standards.min_plot_ratio(f"C{code}", classification="2002") == pytest.approx(ratio)
    # Codes 13-28 other than 24, and 37, name the same 2002 class in every edition of
    # GB/T 4754 (2017's 37 is rail, ships and aircraft, inside 2002's 37).
    if (code < 29 and code != 24) or code == 37:
        assert standards.min_plot_ratio(code) == pytest.approx(ratio)
    else:
        assert standards.min_plot_ratio(code) is None
    assert by_code.plot_ratio_verified == ("yes" if code in PLOT_RATIO_TWO_SOURCES else "single")


def test_domain_notes_figures_from_memory_agree_with_the_table():
    # The domain notes: 石油加工 0.5, 化学纤维 0.8, 医药 0.7, 电子 1.0; food 1.0,
    # textiles 0.8, chemicals 0.6.
    expected = {"炼油": 0.5, "化纤": 0.8, "医药": 0.7, "电子": 1.0, "农副食品": 1.0, "纺织": 0.8,
                "化工": 0.6}
    assert {k: standards.min_plot_ratio(k) for k in expected} == pytest.approx(expected)


@pytest.mark.parametrize(("grade", "name", "price"), LAND_PRICE_2006,
                         ids=[n for _, n, _ in LAND_PRICE_2006])
def test_minimum_price_of_every_land_grade(grade, name, price):
    assert standards.min_land_price(grade) == price
    assert standards.min_land_price(name) == price
    assert standards.min_land_price(str(grade)) == price
    row = standards.land_price(name)
    assert row is not None
    assert (row.land_grade, row.grade_name) == (grade, name)
    assert row.verified == LAND_PRICE_VERIFIED.get(grade, "no")


def test_prices_fall_with_the_grade():
    prices = [standards.min_land_price(g) for g in range(1, 16)]
    assert prices == sorted(prices, reverse=True)


@pytest.mark.parametrize("grade", range(1, 16))
def test_region_class_of_every_land_grade(grade):
    expected = next(c for c, grades in REGION_CLASS_GRADES.items() if grade in grades)
    assert standards.region_class(grade) == expected
    assert standards.region_class(f"{standards._grade_name(grade)}") == expected
    assert standards.default().region_classes_verified[grade] == "single"


def test_investment_intensity_figures_and_gaps():
    # Only industry 40's class 1 (4400) and class 7 (440) 万元/公顷 are confirmed; every other
    # cell is empty rather than guessed.
    assert standards.min_investment_intensity("40", 1, classification="2002") == 4400
    assert standards.min_investment_intensity("39", 1, classification="2017") == 4400
    assert standards.min_investment_intensity("40", 1) is None  # which edition's 40?
    assert standards.min_investment_intensity("电子", "第七类") == 440
    assert standards.min_investment_intensity("通信设备、计算机及其他电子设备制造业",
                                              standards.region_class("十五等")) == 440
    assert standards.min_investment_intensity("电子", standards.region_class("一等")) == 4400
    assert standards.min_investment_intensity("电子", "三类") is None
    known = {(i.code, c) for i in standards.default().industries
             for c, v in zip(standards.REGION_CLASSES, i.min_investment, strict=True)
             if v is not None}
    assert known == {(40, 1), (40, 7)}
    assert standards.industry("电子").investment_verified == "single"
    assert standards.industry("26").investment_verified == "no"


@pytest.mark.parametrize("bad", [0, 8, "第八类", "x", None, 1.5])
def test_investment_intensity_needs_a_region_class(bad):
    with pytest.raises(ConfigError, match="region class"):
        standards.min_investment_intensity("26", bad)


def test_general_indicators():
    gen = standards.general()
    assert gen.min_building_coefficient == pytest.approx(0.30)
    assert gen.max_office_share == pytest.approx(0.07)
    assert gen.max_green_ratio == pytest.approx(0.20)
    assert gen.verified == {"building_coefficient": "yes", "office_share": "yes",
                            "green_ratio": "no"}


def test_packaged_tables_are_read_once_and_say_their_edition():
    first = standards.default()
    assert standards.default() is first
    info = first.describe()
    assert info["classification"] == "GB/T 4754-2002"
    assert info["sources"]["industries"] == "redline/data/industrial_land_2008.csv"
    assert info["editions"]["industrial_indicators"]["document"] == "国土资发〔2008〕24号"
    assert info["editions"]["industrial_indicators"]["in_force"] == "2008-01-31"
    assert info["editions"]["land_prices"]["document"] == "国土资发〔2006〕307号"
    assert info["editions"]["land_prices"]["in_force"] == "2007-01-01"


def test_every_packaged_file_names_its_source_in_a_header_comment():
    data = Path(standards.__file__).parent / "data"
    for name in standards._FILES.values():
        head = [line for line in (data / name).read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
        assert head, name
        assert "国土资发〔200" in head[0], name
    readme = (data / "README.md").read_text(encoding="utf-8")
    for name in standards._FILES.values():
        assert name in readme


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize("value", [26, "26", "C26", "c26", " C26 ", "2614", "C2614", 2614,
                                   "261", "C2614 有机化学原料制造", "26化学原料", "２６",
                                   "Ｃ２６１４", 26.0, "2614.0"])
def test_codes_name_their_two_digit_class(value):
    assert standards.industry(value).code == 26


@pytest.mark.parametrize(("value", "code"), [
    ("化学原料及化学制品制造业", 26),           # as printed in the document
    ("化学原料和化学制品制造业", 26),           # GB/T 4754-2011/2017
    ("化学原料 及 化学制品制造业", 26),
    ("化工", 26), ("精细化工项目", 26), ("chemicals", 26), ("Chemical", 26),
    ("电子", 40), ("电子元件制造", 40), ("Electronics", 40),
    ("计算机、通信和其他电子设备制造业", 40),
    ("医药", 27), ("制药厂", 27), ("pharmaceuticals", 27),
    ("炼油", 25), ("oil refining", 25), ("石油、煤炭及其他燃料加工业", 25),
    ("化纤", 28), ("化学纤维", 28), ("chemical fibres", 28), ("Chemical Fibers", 28),
    ("纺织", 17), ("纺织服装", 18), ("纺织服装、服饰业", 18), ("纺织服装、鞋、帽制造业", 18),
    ("皮革、毛皮、羽毛（绒）及其制品业", 19), ("皮革、毛皮、羽毛及其制品和制鞋业", 19),
    ("烟草制品业", 16), ("印刷业和记录媒介的复制", 23), ("印刷和记录媒介复制业", 23),
    ("食品加工厂", 13), ("农副食品", 13), ("食品制造", 14),
    ("non-ferrous metals", 33), ("ferrous metals", 32), ("钢铁", 32), ("有色金属", 33),
    ("汽车制造业", 37), ("汽车零部件", 37), ("铁路、船舶、航空航天和其他运输设备制造业", 37),
    ("电气机械和器材制造业", 39), ("家用电器", 39),
    ("仪器仪表制造业", 41), ("其他制造业", 42), ("废弃资源综合利用业", 43),
])
def test_names_short_forms_and_english(value, code):
    assert standards.industry(value).code == code


@pytest.mark.parametrize(("value", "codes"), [
    ("食品", (13, 14)),                  # 农副食品加工业 or 食品制造业
    ("food", (13, 14)),
    ("橡胶和塑料制品业", (29, 30)),       # one class since 2011, two in 2002
    ("有色金属制品", (33, 34)),
    ("39", (39, 40)),                    # 2002: electrical machinery; 2017: electronics
    ("24", (24, 42)),                    # 2017's 24 also holds 2002's 工艺品
])
def test_ambiguous_values_match_no_single_row(value, codes):
    assert standards.industry(value) is None
    assert tuple(i.code for i in standards.industry_candidates(value)) == codes


@pytest.mark.parametrize(("value", "code_2002", "code_2017"), [
    ("26", 26, 26), ("13", 13, 13), ("25", 25, 25),
    ("29", 29, None), ("2911", 29, 29), ("2922", 29, 30), ("C2922", 29, 30),
    ("30", 30, 31), ("31", 31, 32), ("32", 32, 33), ("33", 33, 34), ("34", 34, 35),
    ("35", 35, 36), ("36", 36, 37), ("37", 37, 37), ("38", None, 39), ("39", 39, 40),
    ("40", 40, 41), ("41", 41, 42), ("42", 42, 43), ("43", 43, None), ("2431", 24, 42),
    ("2411", 24, 24),
])
def test_codes_read_in_either_edition_of_gbt_4754(value, code_2002, code_2017):
    for cls, expected in (("2002", code_2002), ("2017", code_2017), ("2011", code_2017)):
        found = standards.industry(value, classification=cls)
        assert (found.code if found else None) == expected, cls


@pytest.mark.parametrize("value", [None, "", "   ", True, "D44", "B06", "11", "50", "06", "5",
                                   "12345", "未知行业", "商业", 26.5, float("nan"), "C"])
def test_values_naming_no_industry(value):
    assert standards.industry(value) is None
    assert standards.industry_candidates(value) == ()


def test_an_industry_passes_through():
    chem = standards.industry("26")
    assert standards.industry(chem) is chem
    assert chem.label == "26 化学原料及化学制品制造业"


def test_unknown_classification_is_refused():
    with pytest.raises(ConfigError, match="classification"):
        standards.industry("26", classification="1994")


@pytest.mark.parametrize(("value", "grade"), [
    (8, 8), ("8", 8), ("8等", 8), ("八等", 8), ("第八等", 8), (" 八 等 ", 8), (8.0, 8),
    ("十五等", 15), ("十等", 10), ("十一等", 11), ("一", 1), ("１５", 15), ("第十四等", 14),
])
def test_land_grades_in_figures_or_chinese(value, grade):
    assert standards.land_grade(value) == grade


@pytest.mark.parametrize("value", [0, 16, "十六等", "二十等", "abc", None, "", True, 8.5, "一类",
                                   "十十等"])
def test_values_that_are_not_land_grades(value):
    assert standards.land_grade(value) is None
    assert standards.min_land_price(value) is None
    assert standards.region_class(value) is None


# --------------------------------------------------------------------------- a site's table

SITE_INDUSTRIES = """\
# 某省工业项目建设用地控制标准 (2024), codes of GB/T 4754-2017
code,name,aliases,min_plot_ratio,investment_class_1,investment_class_2,investment_class_3,\
investment_class_4,investment_class_5,investment_class_6,investment_class_7,extra
26,化学原料和化学制品制造业,化工,0.8,5000,4000,3000,2500,2000,1500,1000,ignored
29,橡胶和塑料制品业,,1.1,3600,,,,,,,
39,计算机、通信和其他电子设备制造业,电子,1.4,6000,5000,4000,3000,2000,1500,1200,
"""


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_a_site_replaces_the_industry_table(tmp_path):
    site = standards.load(industries=_write(tmp_path / "province.csv", SITE_INDUSTRIES),
                          classification="2017")
    assert [i.code for i in site.industries] == [26, 29, 39]
    chem = standards.industry("化工", table=site)
    assert chem.min_plot_ratio == pytest.approx(0.8)
    assert chem.min_investment == (5000, 4000, 3000, 2500, 2000, 1500, 1000)
    assert chem.plot_ratio_verified == "yes"
    # A 2017 code is read as is; a 2002 code is mapped to the 2017 rows.
    # "39" is 2017's electronics or 2002's electrical machinery (2017's 38, not in this
    # table): still ambiguous.
    assert standards.min_plot_ratio("39", table=site) is None
    assert standards.industry_candidates("39", table=site)[0].code == 39
    assert standards.industry("39", classification="2017", table=site).name.startswith("计算机")
    assert standards.industry("40", classification="2002", table=site).code == 39
    assert standards.industry("30", classification="2002", table=site).code == 29
    assert standards.min_investment_intensity("电子", 7, table=site) == 1200
    assert standards.min_investment_intensity("橡胶和塑料制品业", 2, table=site) is None
    assert standards.min_investment_intensity("橡胶和塑料制品业", 1, table=site) == 3600
    # The tables not replaced are the packaged ones.
    assert standards.min_land_price("一等", table=site) == 840
    assert standards.region_class(15, table=site) == 7
    info = site.describe()
    assert info["classification"] == "GB/T 4754-2017"
    assert info["sources"]["industries"] == str(tmp_path / "province.csv")
    assert info["sources"]["land_prices"] == "redline/data/industrial_land_price_2006.csv"
    # The packaged default is untouched.
    assert standards.min_plot_ratio("化工") == pytest.approx(0.6)


def test_a_site_replaces_prices_region_classes_and_general_indicators(tmp_path):
    prices = _write(tmp_path / "prices.csv",
                    "# local\nland_grade,min_price\n一等,900\n" + "".join(
                        f"{g},{100 - g}\n" for g in range(2, 16)), encoding="utf-8-sig")
    classes = _write(tmp_path / "classes.csv", "land_grade,region_class\n" + "".join(
        f"{g},第{'一二三四五六七'[min(g, 7) - 1]}类\n" for g in range(1, 16)))
    gen = _write(tmp_path / "general.csv", "indicator,bound,value\nbuilding_coefficient,min,40%\n"
                 "office_share,max,0.07\ngreen_ratio,max,15%\n")
    site = standards.load(land_prices=prices, region_classes=classes, general=gen)
    assert standards.min_land_price("一等", table=site) == 900
    assert standards.land_price(15, table=site).verified == "yes"
    assert standards.min_land_price(15, table=site) == 85
    assert standards.region_class("三等", table=site) == 3
    assert standards.region_class(15, table=site) == 7
    assert site.general.min_building_coefficient == pytest.approx(0.40)
    assert site.general.max_green_ratio == pytest.approx(0.15)
    assert "land_prices" not in site.describe()["editions"]
    assert standards.min_land_price("一等") == 840


def test_a_missing_site_file_is_named(tmp_path):
    with pytest.raises(InputError, match="cannot read") as err:
        standards.load(land_prices=tmp_path / "nope.csv")
    assert err.value.path == str(tmp_path / "nope.csv")


def test_a_site_file_in_gbk_is_refused_with_the_fix(tmp_path):
    path = _write(tmp_path / "gbk.csv", "land_grade,min_price\n一等,900\n", encoding="gbk")
    with pytest.raises(InputError, match="UTF-8") as err:
        standards.load(land_prices=path)
    assert "CSV UTF-8" in err.value.fix


def test_a_missing_column_is_named(tmp_path):
    path = _write(tmp_path / "ind.csv", "code,name\n26,化工\n")
    with pytest.raises(InputError, match=r"min_plot_ratio") as err:
        standards.load(industries=path)
    assert err.value.path == str(path)


def test_every_bad_row_is_listed_with_its_line(tmp_path):
    cols = ",".join(f"investment_class_{c}" for c in standards.REGION_CLASSES)
    path = _write(tmp_path / "ind.csv", "# comment\n"
                  f"code,name,min_plot_ratio,{cols},plot_ratio_verified\n"
                  "26,化工,0.6,,,,,,,,\n"
                  "2x,坏,0.6,,,,,,,,\n"
                  "27,医药,-1,,,,,,,,\n"
                  "26,重复,0.6,,,,,,,,\n"
                  "28,化纤,0.8,abc,,,,,,,\n"
                  "29,橡胶,0.8,,,,,,,,maybe\n")
    with pytest.raises(InputError) as err:
        standards.load(industries=path)
    problem = err.value.problem
    for text in ("line 4: code '2x'", "line 5:", "line 6: code 26 appears twice", "line 7:",
                 "line 8: verified was 'maybe'"):
        assert text in problem
    assert "line 3" not in problem


@pytest.mark.parametrize(("table", "text", "message"), [
    ("land_prices", "land_grade,min_price\n十六等,10\n", "not a grade 1-15"),
    ("land_prices", "land_grade,min_price\n1,\n", "min_price is empty"),
    ("land_prices", "land_grade,min_price\n", "no land-grade rows"),
    ("region_classes", "land_grade,region_class\n1,8\n", "not a class 1-7"),
    ("region_classes", "land_grade,region_class\n1,1\n", "land grade 2 has no region class"),
    ("general", "indicator,bound,value\nbuilding_coefficient,max,0.3\n", "min bound"),
    ("general", "indicator,bound,value\ngreen_ratio,max,120%\n", "not a fraction"),
    ("general", "indicator,bound,value\nbuilding_coefficient,min,0.3\n", "no office_share row"),
    ("general", "indicator,bound,value\nsunlight,min,0.3\n", "not one of"),
    ("industries", "# only a comment\n", "no header row"),
])
def test_bad_site_tables(tmp_path, table, text, message):
    path = _write(tmp_path / f"{table}.csv", text)
    with pytest.raises(InputError, match=message):
        standards.load(**{table: path})


def test_classification_goes_with_a_site_industry_table():
    with pytest.raises(ConfigError, match="packaged"):
        standards.load(classification="2017")
    with pytest.raises(ConfigError, match="classification"):
        standards.load(classification="2020")  # type: ignore[arg-type]
