"""What neighbours read of a case, which grids are neighbours, and paging — without Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.nearby.rules import age_days, page_of, public_text, touching


def _square(x: float, y: float, size: float = 1.0) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def test_names_phones_and_rooms_are_masked_and_the_text_is_short() -> None:
    text = "3幢502室王阿姨家楼上漏水，联系电话13812345678，李师傅来看过没修好" * 3
    shown = public_text(text)
    assert "13812345678" not in shown and "王阿姨" not in shown and "502室" not in shown
    assert "某阿姨" in shown and len(shown) == 40 and shown.endswith("…")
    assert public_text("路灯不亮") == "路灯不亮"


def test_grids_sharing_an_edge_or_a_corner_touch_and_distant_ones_do_not() -> None:
    home = [_square(0, 0)]
    assert touching(home, [_square(1, 0)])  # shares an edge
    assert touching(home, [_square(1, 1)])  # shares a corner
    assert not touching(home, [_square(1.01, 0)])  # a gap between them
    assert not touching(home, [_square(5, 5)]) and not touching(home, [])


def test_pages_are_clamped_and_ages_are_whole_days() -> None:
    assert page_of(0, 3).count == 1 and page_of(0, 3).number == 0
    last = page_of(12, 9, size=5)
    assert (last.number, last.count, last.start, last.stop) == (2, 3, 10, 12)
    filed = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert age_days(filed, datetime(2026, 3, 2, 1, 0, tzinfo=UTC)) == 0
    assert age_days(filed, datetime(2026, 3, 4, 0, 0, tzinfo=UTC)) == 2


def test_a_phone_written_with_dots_slashes_or_brackets_is_masked_too() -> None:
    for written in ("138.1234.5678", "138/1234/5678", "(138)1234-5678", "１３８·１２３４·５６７８"):
        shown = public_text(f"楼道堆物，找王先生{written}")
        assert "5678" not in shown and "５６７８" not in shown, shown
    assert public_text("水管漏水3.5米") == "水管漏水3.5米"  # a short number stays
