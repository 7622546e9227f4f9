"""`minhu worker` and `minhu receive` need PostgreSQL and say so for a SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("command", ["worker", "receive"])
def test_a_cluster_command_on_a_sqlite_file_says_to_use_minhu_run(
    command: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "1:x",
        "MINHU_DATABASE": str(tmp_path / "minhu.db"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", command], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr and "minhu run" in done.stderr
    assert not (tmp_path / "minhu.db").exists()  # nothing made
