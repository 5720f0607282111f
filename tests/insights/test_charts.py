import re

from django.utils import translation

from enishi.core.japan import PREFECTURES
from enishi.insights import charts


def test_the_tile_map_places_every_prefecture_once():
    assert set(charts.TILES) == {code for code, _name, _region in PREFECTURES}
    assert len(set(charts.TILES.values())) == 47


@translation.override("ja")  # the names on the tiles follow the language
def test_tiles_are_labelled_for_screen_readers_and_link_where_allowed():
    svg = charts.tile_map("m", "会員", {"24": 30, "13": 3}, {"24": "/staff/members/?p=24"},
                          unit="人")  # fmt: skip
    assert svg.count('role="img"') == 47
    assert '<g class="tile" role="img" aria-label="三重県: 30人"><title>三重県: 30人</title>' in svg
    assert '<a href="/staff/members/?p=24">' in svg
    assert svg.count("<a ") == 1
    assert 'role="group"' in svg  # a picture with links in it is a group, not an image
    assert ">東京<" in svg and ">北海道<" in svg  # short names on the tiles


def test_columns_have_round_axis_steps_and_a_text_alternative():
    svg = charts.columns("c", "新規登録", ["4月", "5月"], [("新規", [13, 4])])
    axis = re.findall(r'text-anchor="end" font-size="11" fill="#1a1a1c">(\d+)<', svg)
    steps = [int(v) for v in axis]
    assert steps == [0, 3, 6, 9, 12, 15]
    assert '<desc id="c-d">4月: 新規 13、5月: 新規 4</desc>' in svg
