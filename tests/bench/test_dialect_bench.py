"""The dialect benchmark at a tiny size on PostgreSQL: every way runs the report's hot path in
its own process, the figures, ratios, translator counts and code census come out in their
shape; the floor's hand-written statements are the translator's own; without SQLAlchemy the
row is SKIPPED with the reason (ours and raw still measured)."""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from typing import Any

import pytest

from storage import sql
from tests.bench import dialect
from tests.bench.dialect_paths import ACTIONS
from tests.bench.dialect_sql import OURS, RAW, identity_tables
from tests.support.databases import require_server


def _name() -> str:
    return f"minhu_t_dialect_{uuid.uuid4().hex[:10]}"


def test_the_floor_runs_the_statements_the_translator_makes() -> None:
    tables = identity_tables()
    assert {"complaints", "outbox", "complaint_events"} <= tables
    assert "submissions" not in tables  # WITHOUT ROWID, its key is text
    for key, text in OURS.items():
        translated = sql.translate(text, tables, many=key in {"photos.insert", "state.save"})
        ours = " ".join(translated.text.split()).replace("( ", "(")
        if translated.added_returning:
            assert key in {"complaint.insert", "event.insert", "outbox.enqueue"}, key
            ours = ours if key == "complaint.insert" else ours.removesuffix(" RETURNING id")
        assert ours.replace("CONFLICT(", "CONFLICT (") == " ".join(RAW[key].split()), key


def test_a_tiny_run_measures_every_way_and_judges() -> None:
    asyncio.run(require_server())
    result = dialect.run(iterations=4, repeats=1, warmup=1, name=_name())
    assert set(result["ways"]) == set(dialect.WAYS) and result["state"] is None
    for way in result["ways"].values():
        assert set(way["statements"]) == set(RAW)
        assert all(s["median"] > 0 and s["runs"] == 1 for s in way["statements"].values())
        assert set(way["actions"]) == {*ACTIONS, "iteration"}
        actions = way["actions"]
        assert actions["iteration"]["median"] == pytest.approx(
            sum(actions[a]["median"] for a in ACTIONS)
        )
        assert all(s["median"] > 0 for s in way["cpu_per_statement_us"].values())
    cache = result["ways"]["ours"]["cache"]
    assert cache["translated"] == len(OURS) == cache["types_asked"]
    assert cache["calls"] == cache["translated"] + cache["hits"] and cache["hits"] > 0
    assert 0 < cache["cached_us"] < cache["translate_us"]
    assert set(result["ratios"]) == {"ours", "sa_text", "sa_core"}
    assert all(r > 0 for ratios in result["ratios"].values() for r in ratios.values())
    assert result["verdict"]["ours_met"] == (result["ratios"]["ours"]["iteration"] <= 1.2)
    census = result["census"]
    assert census["statements"] > census["rewritten"] > census["hot_path_rewritten"] > 0
    assert census["tables"] > 10 and census["columns"] > census["tables"]
    text = dialect.render(result)
    for word in ("people.get", "update.done", "iteration (20)", "translator:", "SA Core÷raw"):
        assert word in text, word


def test_without_sqlalchemy_the_row_is_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asyncio.run(require_server())
    found = importlib.util.find_spec

    def no_sqlalchemy(name: str, *args: Any) -> Any:
        return None if name == "sqlalchemy" else found(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", no_sqlalchemy)
    result = dialect.run(iterations=2, repeats=1, warmup=1, name=_name())
    assert set(result["ways"]) == {"ours", "raw"} and result["state"] == "SKIPPED"
    assert "SQLAlchemy is not installed" in dialect.summary(result)[1]
    assert "SKIPPED: SQLAlchemy is not installed" in dialect.render(result)
