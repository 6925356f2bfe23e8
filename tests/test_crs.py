import pytest

from redline.errors import CRSError
from redline.io.crs import boxes_overlap, gk_zone, infer_crs, parse_crs, working_crs, zone_crs


@pytest.mark.parametrize(
    ("zone", "epsg"), [(25, "EPSG:4513"), (41, "EPSG:4529"), (45, "EPSG:4533")])
def test_zone_crs(zone, epsg):
    assert zone_crs(zone) == epsg
    assert gk_zone(epsg) == zone


def test_zone_outside_china():
    with pytest.raises(CRSError):
        zone_crs(12)


def test_gk_zone_of_unprefixed_and_other():
    assert gk_zone("EPSG:4550") == 41  # CM 123E without prefix
    assert gk_zone("EPSG:4490") is None
    assert gk_zone(None) is None


def test_infer_8_digit_x():
    crs, why = infer_crs((41_500_000, 4_550_000, 41_501_000, 4_551_000))
    assert crs == "EPSG:4529"
    assert "41" in why


def test_infer_degrees():
    assert infer_crs((122.9, 40.8, 123.1, 41.0))[0] == "EPSG:4490"


def test_six_digit_x_cannot_be_inferred():
    crs, why = infer_crs((500_000, 4_550_000, 501_000, 4_551_000))
    assert crs is None
    assert "6 digits" in why


def test_8_digit_x_spanning_two_prefixes_is_not_guessed():
    assert infer_crs((40_999_000, 4_550_000, 41_001_000, 4_551_000))[0] is None


def test_working_crs_from_declared_zone():
    assert working_crs(["EPSG:4529", "EPSG:4550"], 999.0) == "EPSG:4529"


def test_working_crs_from_centre_longitude():
    # Anshan, 123.0E: zone 41. 121.6E rounds to zone 41 too, 120.0E to 40.
    assert working_crs(["EPSG:4490"], 123.0) == "EPSG:4529"
    assert working_crs(["EPSG:4490", "EPSG:4529"], 120.0) == "EPSG:4528"


def test_working_crs_without_anything():
    with pytest.raises(CRSError):
        working_crs([], None)


def test_parse_crs():
    assert parse_crs("4529", path="x") == "EPSG:4529"
    with pytest.raises(CRSError, match="not a known CRS"):
        parse_crs("EPSG:999999", path="x")


def test_boxes_overlap():
    assert boxes_overlap((0, 0, 2, 2), (1, 1, 3, 3))
    assert not boxes_overlap((0, 0, 1, 1), (2, 2, 3, 3))
