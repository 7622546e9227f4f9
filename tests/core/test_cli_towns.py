"""The command line with several towns (MINHU_TOWNS): no TELEGRAM_BOT_TOKEN needed, `--town`
names the town a command acts on, and each mistake is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TWO = """
[[town]]
key = "zhili"
token = "111:aaa"

[[town]]
key = "nanxun"
token = "222:bbb"
"""


def minhu(
    tmp_path: Path, *args: str, towns: str | None = TWO, database: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "MINHU_DATABASE": database or str(tmp_path / "minhu.db"),
    }
    if towns is not None:
        (tmp_path / "towns.toml").write_text(towns, encoding="utf-8")
        env["MINHU_TOWNS"] = str(tmp_path / "towns.toml")
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "towns", "says"),
    [
        (
            ["grant", "admin", "5"],
            TWO,
            "MINHU_TOWNS has 2 towns: name one with --town (zhili, nanxun)",
        ),
        (
            ["db", "upgrade", "--town", "deqing"],
            TWO,
            "--town 'deqing' is not a town of MINHU_TOWNS (zhili, nanxun)",
        ),
        (["seed-demo", "--town", "zhili"], None, "--town zhili needs MINHU_TOWNS (the towns file)"),
        (
            ["run", "--webhook"],
            TWO,
            "with MINHU_TOWNS, webhooks go to `minhu receive` and `minhu worker` (PostgreSQL); "
            "`minhu run` polls for every town",
        ),
    ],
)
def test_a_mistake_with_towns_is_one_line_and_touches_nothing(
    tmp_path: Path, args: list[str], towns: str | None, says: str
) -> None:
    done = minhu(tmp_path, *args, towns=towns)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"minhu: configuration error: {says}"]
    assert not list(tmp_path.glob("*.db"))


@pytest.mark.parametrize("command", ["worker", "receive"])
def test_the_cluster_needs_no_deployment_token_with_towns(tmp_path: Path, command: str) -> None:
    done = minhu(tmp_path, command)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" not in done.stderr and "needs PostgreSQL" in done.stderr


def test_a_command_acts_on_the_named_towns_data_only(tmp_path: Path) -> None:
    done = minhu(tmp_path, "db", "migrate", "--town", "nanxun")
    assert done.returncode == 0, done.stderr
    assert "minhu-nanxun.db is at schema version" in done.stdout
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["minhu-nanxun.db"]
    one = minhu(tmp_path, "grant", "admin", "5", towns='[[town]]\nkey = "deqing"\ntoken = "3:c"')
    assert one.returncode == 0, one.stderr  # one town: no --town needed
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["minhu-deqing.db", "minhu-nanxun.db"]


def test_every_towns_token_is_kept_out_of_the_logs() -> None:
    import logging

    from bot.core.logs import RedactTokens

    record = logging.LogRecord(
        "x", logging.INFO, "", 0, "sent with %s and %s", ("1:a", "2:b"), None
    )
    assert RedactTokens("", ["1:a", "2:b"]).filter(record)
    assert record.getMessage() == "sent with <token> and <token>"
