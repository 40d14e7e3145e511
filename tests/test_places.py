import pytest

from reportgen.errors import PlaceError
from reportgen.places import resolve_place, resolve_school, villages_under


def test_ambiguous_village_lists_every_candidate(dataset):
    with pytest.raises(PlaceError) as err:
        resolve_place(dataset, "王庄村", level="村")
    assert "“王庄村”有 2 个同名村" in err.value.message
    assert err.value.candidates == [
        "城关镇 / 王庄村  代码 411599101201",
        "河口乡 / 王庄村  代码 411599102201",
    ]


def test_path_and_code_pick_the_right_village(dataset):
    by_path = resolve_place(dataset, "河口乡/王庄村", level="村")
    by_code = resolve_place(dataset, "411599101201", level="村")
    assert (by_path.code, by_path.township) == ("411599102201", "河口乡")
    assert (by_code.code, by_code.township) == ("411599101201", "城关镇")
    assert by_path.path == ("青山县", "河口乡", "王庄村")
    assert by_path.file_label == "河口乡王庄村"
    assert resolve_place(dataset, "青山县/城关镇/王庄村").code == "411599101201"


def test_unique_name_and_unknown_place(dataset):
    assert resolve_place(dataset, "李湾村").code == "411599102202"
    with pytest.raises(PlaceError, match="找不到村“张庄村”"):
        resolve_place(dataset, "张庄村", level="村")
    with pytest.raises(PlaceError, match="不是村"):
        resolve_place(dataset, "411599101", level="村")


def test_villages_under_a_township(dataset):
    township = resolve_place(dataset, "河口乡", level="乡")
    assert [v.code for v in villages_under(dataset, township)] == ["411599102201", "411599102202"]


def test_school_by_name_or_code(dataset):
    assert resolve_school(dataset, "S02").name == "青山县第一高级中学"
    assert resolve_school(dataset, "城关镇第一初级中学").code == "S01"
    with pytest.raises(PlaceError, match="找不到学校"):
        resolve_school(dataset, "不存在的学校")
