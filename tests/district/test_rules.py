"""The district's rules without Telegram or a database: towns ranked by the town bulletins'
own rules — ties share a place, a town under the minimum sample is listed apart, year-on-year
change worded as the towns word it — and a long district split under Telegram's limit."""

from __future__ import annotations

from datetime import date, datetime

from bot.bulletins.packing import MESSAGE_LIMIT, strip_tags, utf16_len
from bot.bulletins.rankings import Change, UnitStats, Weights
from bot.core.periods import Period
from bot.core.render import Renderer
from bot.core.telegram_text import parse_html
from bot.district.render import DistrictText
from bot.district.rules import TownFigures, rank_towns
from tests.support.bulletins import TZ

OCTOBER = Period("month", date(2026, 10, 1), date(2026, 11, 1))
AS_OF = datetime(2026, 11, 2, 9, tzinfo=TZ)
RENDERER = Renderer(TZ)


def town(key: str, name: str, judged: int, on_time: int, *, last_year: int = 0) -> TownFigures:
    stats = UnitStats(
        key,
        name,
        received=judged,
        handled=judged,
        ack_judged=judged,
        ack_on_time=on_time,
        resolve_judged=judged,
        resolve_on_time=on_time,
    )
    return TownFigures(stats, Change(judged, last_year))


def test_towns_with_equal_scores_share_a_place_and_the_next_one_skips_it() -> None:
    report = rank_towns(
        "测试区",
        OCTOBER,
        AS_OF,
        [town("c", "丙镇", 10, 5), town("b", "乙镇", 10, 10), town("a", "甲镇", 20, 20)],
        Weights(),
        3,
    )
    assert [(r.stats.name, r.rank, r.tied) for r in report.ranked] == [
        ("甲镇", 1, True),  # equal scores: by key on the page, the same place
        ("乙镇", 1, True),
        ("丙镇", 3, False),
    ]
    assert report.short == [] and report.towns == 3


def test_a_town_under_the_minimum_sample_is_listed_apart_never_ranked() -> None:
    report = rank_towns(
        "测试区",
        OCTOBER,
        AS_OF,
        [town("a", "甲镇", 2, 2), town("b", "乙镇", 3, 1)],
        Weights(),
        3,
        unread=["丁镇"],
    )
    assert [r.stats.name for r in report.ranked] == ["乙镇"]  # a worse score, but judged enough
    assert [(r.stats.name, r.rank) for r in report.short] == [("甲镇", None)]
    text = "".join(DistrictText(RENDERER, report, "zh-CN").messages())
    assert "样本不足（不排名）" in text and "可评价2件（少于3件）" in text
    assert "丁镇：本期数据暂时无法读取" in text
    assert report.towns == 3


def test_year_on_year_is_worded_as_the_town_bulletins_word_it() -> None:
    report = rank_towns(
        "测试区",
        OCTOBER,
        AS_OF,
        [town("a", "甲镇", 5, 5, last_year=10), town("b", "乙镇", 4, 4, last_year=0)],
        Weights(),
        3,
    )
    assert report.total == Change(9, 10)
    text = strip_tags("".join(DistrictText(RENDERER, report, "zh-CN").messages()))
    assert "本期共受理群众诉求 9 件，同比下降10.0%" in text
    assert "受理5件（同比下降50.0%）" in text
    assert "受理4件（去年同期为0，本期新增4件）" in text
    english = strip_tags("".join(DistrictText(RENDERER, report, "en").messages()))
    assert "5 cases (down 50.0% on a year earlier)" in english


def test_a_district_with_no_cases_ranks_no_town_and_says_so() -> None:
    report = rank_towns(
        "测试区", OCTOBER, AS_OF, [town("a", "甲镇", 0, 0), town("b", "乙镇", 0, 0)], Weights(), 3
    )
    assert report.ranked == [] and len(report.short) == 2
    (message,) = DistrictText(RENDERER, report, "zh-CN").messages()
    assert "本期没有达到样本要求的镇（街道）" in message
    assert "本期与去年同期均为0" in message


def test_a_hundred_towns_split_under_the_limit_without_breaking_a_row() -> None:
    figures = [town(f"t{i:03d}", f"第{i}镇<&>", 3 + i % 7, i % 5) for i in range(100)]
    report = rank_towns("测试区", OCTOBER, AS_OF, figures, Weights(), 3)
    for language in ("zh-CN", "en"):
        messages = DistrictText(RENDERER, report, language).messages()
        assert len(messages) > 1
        for message in messages:
            assert utf16_len(message) <= MESSAGE_LIMIT
            parse_html(message)  # raises on broken HTML
        plain = strip_tags("\n".join(messages))
        assert all(plain.count(f"第{i}镇<&>") == 1 for i in range(100))
