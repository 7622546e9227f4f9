"""The data commands: seed-demo, import (all or nothing), grant/revoke, backup, db upgrade."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from storage.db import latest_version


def minhu(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MINHU_DATABASE": str(tmp_path / "town.db")},
        timeout=60,
    )


def query(tmp_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "town.db") as conn:
        return list(conn.execute(sql))


def test_seed_demo_is_idempotent(tmp_path: Path) -> None:
    first = minhu(tmp_path, "seed-demo")
    assert first.returncode == 0 and "4 zones" in first.stdout
    assert minhu(tmp_path, "seed-demo").stdout == first.stdout
    assert query(tmp_path, "SELECT name FROM zones ORDER BY id") == [
        ("上强片区",),
        ("阳山片区",),
        ("梅峰片区",),
        ("老虎潭片区",),
    ]
    assert query(tmp_path, "SELECT COUNT(*) FROM grids WHERE is_demo = 0") == [(0,)]


GOOD = """kind,code,name,parent,user_id,role
zone,DX,东新片区,,,
community,DX-1,东新社区,DX,,
grid,DX-1-1,东新社区一网格,DX-1,,
department,JT,交通,,,
staff,DX-1-1,周网格,,555001,grid_worker
staff,JT,交通小吴,,555002,department
staff,,镇办老陈,,555003,admin
"""


def test_import_a_town_from_an_excel_csv(tmp_path: Path) -> None:
    path = tmp_path / "town.csv"
    path.write_bytes(GOOD.encode("gb18030"))  # Excel on a Chinese Windows saves GBK
    result = minhu(tmp_path, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert query(tmp_path, "SELECT name FROM grids WHERE code = 'DX-1-1'") == [("东新社区一网格",)]
    assert query(tmp_path, "SELECT user_id, role FROM role_grants ORDER BY user_id") == [
        (555001, "grid_worker"),
        (555002, "department"),
        (555003, "admin"),
    ]


def test_a_bad_row_imports_nothing_and_names_its_line(tmp_path: Path) -> None:
    bad = GOOD.replace("grid,DX-1-1,东新社区一网格,DX-1", "grid,DX-1-1,东新社区一网格,NOPE")
    bad += "staff,DX-1-1,无名,,abc,grid_worker\n"
    path = tmp_path / "bad.csv"
    path.write_text("\ufeff" + bad, encoding="utf-8")  # UTF-8 with BOM, as Excel also saves
    result = minhu(tmp_path, "import", str(path))
    assert result.returncode == 1
    assert f"{path}:4: unknown community 'NOPE'" in result.stderr
    assert f"{path}:9: user_id must be a Telegram user id" in result.stderr
    assert "nothing was imported" in result.stderr
    assert query(tmp_path, "SELECT COUNT(*) FROM zones") == [(0,)]


def test_grant_and_revoke(tmp_path: Path) -> None:
    minhu(tmp_path, "seed-demo")
    ok = minhu(tmp_path, "grant", "grid_worker", "777", "--grid", "SQ-01-01", "--name", "张网格")
    assert ok.returncode == 0 and "granted" in ok.stdout
    assert minhu(tmp_path, "grant", "grid_worker", "778").returncode == 1  # needs --grid
    assert minhu(tmp_path, "grant", "department", "779", "--department", "NOPE").returncode == 1
    assert query(tmp_path, "SELECT user_id, display_name FROM role_grants") == [(777, "张网格")]
    assert "revoked 1" in minhu(tmp_path, "revoke", "grid_worker", "777").stdout
    assert query(tmp_path, "SELECT COUNT(*) FROM role_grants") == [(0,)]


def test_db_upgrade_and_backup(tmp_path: Path) -> None:
    assert f"schema version {latest_version()}" in minhu(tmp_path, "db", "upgrade").stdout
    minhu(tmp_path, "seed-demo")
    result = minhu(tmp_path, "backup", str(tmp_path / "copy.db"))
    assert result.returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM zones").fetchone() == (4,)
