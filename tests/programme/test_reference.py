"""Reference data shipped with the portal."""

from programme.reference import (
    EU_DIMENSIONS,
    AssessmentArea,
    Province,
    activity,
    are_neighbours,
    is_admitted_sector,
    neighbouring_provinces,
    sector_choices,
)


def test_lombardy_has_twelve_provinces_with_symmetric_borders():
    assert len(Province.values) == 12
    borders = neighbouring_provinces()
    for province, neighbours in borders.items():
        assert neighbours, province
        for other in neighbours:
            assert province in borders[other]
    assert are_neighbours("MI", "MB") and are_neighbours("MB", "MI")
    assert not are_neighbours("MN", "VA")


def test_the_assessment_model_has_ten_areas_six_of_them_from_the_eu_tool():
    assert len(AssessmentArea.values) == 10
    assert len(EU_DIMENSIONS) == 6
    assert set(EU_DIMENSIONS) < set(AssessmentArea.values)


def test_ateco_codes_are_read_from_istats_classification():
    found = activity("25.62.00")
    assert found is not None
    assert (found.section, found.division, found.level) == ("C", "25", "subcategory")
    assert activity("256200").code == "25.62.00"
    assert activity("99.99.99") is None
    assert activity("nonsense") is None


def test_admitted_sectors_match_sections_and_divisions():
    assert is_admitted_sector("25.62.00", ["C"])
    assert is_admitted_sector("25.62.00", ["25"])
    assert not is_admitted_sector("25.62.00", ["G", "28"])
    assert is_admitted_sector("25.62.00", [])
    codes = [code for code, _label in sector_choices()]
    assert "C" in codes and "25" in codes
