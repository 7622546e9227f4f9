"""The towns file: each town's settings are the deployment's with its own put over them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings
from bot.core.towns import load_towns, town_database, town_secret

BASE = {
    "TELEGRAM_BOT_TOKEN": "",
    "MINHU_DATABASE": "postgresql://db.example/minhu?sslmode=disable",
    "MINHU_ADMIN_IDS": "7",
    "MINHU_WEBHOOK_URL": "https://minhu.example/hook/",
    "MINHU_WEBHOOK_SECRET": "district-secret",
    "MINHU_BULLETIN_CHAT_ID": "-1009",
}
TWO = """
[district]
name = "吴兴区"
admins = [1001, 1002]
channel = -1001234
publisher = "nanxun"

[[town]]
key = "zhili"
name = "织里镇"
token = "111:aaa"
admins = [11, 12]

[[town]]
key = "nanxun"
name = "南浔镇"
token = "222:bbb"
timezone = "Asia/Urumqi"
bulletin_channel = -1002
"""


def _load(tmp_path: Path, text: str, **env: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "towns.toml"
    path.write_text(text, encoding="utf-8")
    base = load_settings({**BASE, **env}, dotenv=None, require_token=False)
    return load_towns(path, base)


def test_each_town_is_the_deployment_with_its_own_values(tmp_path: Path) -> None:
    district = _load(tmp_path, TWO)
    assert district.name == "吴兴区" and district.publisher == "nanxun"
    assert district.admin_ids == {1001, 1002} and district.channel == -1001234
    assert district.is_admin(1001) and not district.is_admin(11) and not district.is_admin(None)
    zhili, nanxun = district.towns
    assert (zhili.key, zhili.name, nanxun.name) == ("zhili", "织里镇", "南浔镇")
    assert zhili.settings.token == "111:aaa" and nanxun.settings.token == "222:bbb"
    assert zhili.settings.admin_ids == {11, 12}
    assert nanxun.settings.admin_ids == {7}  # none given: the deployment's
    assert zhili.settings.timezone == "Asia/Shanghai" and nanxun.settings.timezone == "Asia/Urumqi"
    assert zhili.settings.bulletin_chat_id == -1009 and nanxun.settings.bulletin_chat_id == -1002
    assert zhili.settings.database.endswith("sslmode=disable&search_path=zhili")
    assert zhili.settings.webhook_url == "https://minhu.example/hook/zhili"
    assert zhili.settings.webhook_secret == town_secret("district-secret", "zhili")
    assert zhili.settings.webhook_secret != nanxun.settings.webhook_secret
    assert zhili.settings.town == "zhili" and district.town("nanxun") is nanxun


def test_without_a_webhook_secret_a_town_has_none(tmp_path: Path) -> None:
    district = _load(tmp_path, TWO, MINHU_WEBHOOK_SECRET="")  # polling: no secret needed
    assert [t.settings.webhook_secret for t in district.towns] == ["", ""]


def test_sqlite_towns_get_a_file_each() -> None:
    assert town_database("data/minhu.db", "zhili") == "data/minhu-zhili.db"
    assert town_database("postgresql:///minhu?search_path=x", "a") == (
        "postgresql:///minhu?search_path=a"  # the local socket's empty host kept
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "has no [[town]]"),
        ("[[town]]\nkey='Zhili'\ntoken='1:a'", "key must be"),
        ("[[town]]\nkey='public'\ntoken='1:a'", "key must be"),
        ("[[town]]\nkey='a'\ntoken='nope'", "needs a token"),
        ("[[town]]\nkey='a'\ntoken='1:a'\ntimezone='Mars/Base'", "timezone is unknown"),
        ("[[town]]\nkey='a'\ntoken='1:a'\nadmins=['x']", "list of user ids"),
        ("[[town]]\nkey='a'\ntoken='1:a'\n[[town]]\nkey='a'\ntoken='2:b'", "share the key"),
        ("[[town]]\nkey='a'\ntoken='1:a'\n[[town]]\nkey='b'\ntoken='1:a'", "(hidden)"),
        ("[district]\npublisher='x'\n[[town]]\nkey='a'\ntoken='1:a'", "publisher 'x'"),
        ("[[town]]\nkey='a'\ntoken='1:a'\nname='" + "镇" * 33 + "'", "over 32"),
        ("[[town", "not valid TOML"),
    ],
)
def test_a_bad_file_is_one_clear_line(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError, match="MINHU_TOWNS") as raised:
        _load(tmp_path, text)
    assert says in str(raised.value) and "\n" not in str(raised.value)
    assert "1:a" not in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    base = load_settings(BASE, dotenv=None, require_token=False)
    with pytest.raises(ConfigError, match="cannot read"):
        load_towns(tmp_path / "none.toml", base)


def test_the_file_is_named_by_minhu_towns() -> None:
    settings = load_settings(
        {**BASE, "MINHU_TOWNS": " towns.toml "}, dotenv=None, require_token=False
    )
    assert settings.towns_file == "towns.toml" and settings.town == ""
