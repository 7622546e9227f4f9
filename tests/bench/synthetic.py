"""A synthetic town for the bulletin benchmark: N complaints over the two years before `now`.

The schema comes from the real migrations (the file is opened once with `storage.db.Database`)
and the places, categories, departments and liaison stations from `storage.seed.seed_demo`;
everything else is written with plain `sqlite3` in big transactions (executemany over chunks
of 50,000 rows, `synchronous = OFF`, the complaints' secondary indexes dropped during the load
and rebuilt from their own migration SQL afterwards), because a million rows must load in
well under two minutes.

What the bulletin reads is made to look like a working town, with timestamps that agree
with each status as seen at `now`:
- complaints spread evenly over the two years before `now` (so last year is a base for the
  year-on-year change), random grid and category (some grids and categories busier than
  others; each grid a little better or worse at keeping deadlines, so rankings are not all
  ties); ~40 % routed to the category's department;
- deadlines: acknowledge within 1 day, resolve within 5 (calendar days: speed matters more
  than the holiday calendar here); ~90 % accepted in time, some late, ~1.5 % never (escalated
  at the acknowledgement deadline); resolved mostly in time, some late, ~1.5 % never
  (escalated at the resolution deadline); resolved cases closed by the resident with a
  rating (1-5, mostly 4-5) or closed as "fixed, no reply" three days later; ~2 % rejected;
  ~2 % relapses (parent_id: the previous complaint of the same grid and category);
  anything that would happen after `now` has not happened yet;
- residents are not needed: every complaint is anonymous with no reporter;
- staff: one grid worker per grid, one liaison per department, ten representatives (one
  zone each, in turn), with supervision items, and (tests/bench/synthetic_activity.py)
  assignments, patrols, reception sessions and deliberation meetings in proportion to the
  complaints (but small).

A generated file gets a sidecar `<name>.json` with what was made; `cached()` reuses a file
whose sidecar matches (size, seed, `now`, generator version and schema version), so a
second `make bench` does not pay the million-row load again. Delete the work directory
(bench-results/work) or pass --regenerate to start over.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import storage
from storage.aggregates import reaggregate
from storage.db import Database, latest_version
from storage.seed import seed_demo

from .synthetic_activity import WORKER_BASE, D, H, Town, activity

VERSION = 1  # bump when the generated data changes: cached files are then made again
CHUNK = 50_000
SPAN_DAYS = 730
REP_BASE, DEPT_BASE = 8_100_000, 8_200_000
REPRESENTATIVES = 10

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
GIVEN = ["建国", "秀英", "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳"]
GIVEN += ["杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "志强", "海燕", "文"]

# category code -> relative weight (categories with a department get ~42 % of the cases)
CATEGORY_WEIGHTS = {
    "safety": 10,
    "sanitation": 22,
    "parking": 15,
    "facility": 18,
    "dispute": 8,
    "construction": 14,
    "other": 13,
}
DEPARTMENT_SHARE = 0.95  # of a routed category's cases, the share its department handles
RATINGS = [1] * 4 + [2] * 4 + [3] * 10 + [4] * 27 + [5] * 55
DESCRIPTION = "小区门口路灯坏了，晚上出行不便，请尽快处理。"
RESOLUTION = "已安排人员现场处理。"

COMPLAINT_COLUMNS = (
    "id, number, kind, category_id, grid_id, reporter_id, anonymous, description, status, "
    "department_id, ack_due_at, resolve_due_at, accepted_at, resolved_at, closed_at, "
    "close_reason, rating, parent_id, created_at, updated_at, escalated_at, resolution_note"
)
INSERT_COMPLAINT = f"INSERT INTO complaints ({COMPLAINT_COLUMNS}) VALUES ({', '.join(['?'] * 22)})"


class _Clock:
    """UTC ISO-8601 text of whole seconds since the epoch, as `bot.core.clock.to_iso` writes it,
    from two small caches (the day part and the time-of-day part)."""

    def __init__(self) -> None:
        self.days: dict[int, str] = {}
        self.secs = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00:00" for s in range(D)]

    def iso(self, ts: int) -> str:
        day, sec = divmod(ts, D)
        prefix = self.days.get(day)
        if prefix is None:
            prefix = datetime.fromtimestamp(day * D, UTC).strftime("%Y-%m-%dT")
            self.days[day] = prefix
        return prefix + self.secs[sec]


def fake_name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


async def _schema(path: Path) -> None:
    async with Database(path) as db:
        await seed_demo(db)


async def _reaggregate(path: Path) -> None:
    async with Database(path) as db:
        await reaggregate(db)


def generate(path: Path, complaints: int, *, seed: int = 1, now: datetime) -> dict[str, Any]:
    """Write a new database at `path` (replacing any file there) with `complaints` complaints
    received over the two years before `now`; return counts and the load time.

    Synchronous (plain sqlite3); it runs its own event loop once for the migrations, so call
    it from a thread (`asyncio.to_thread`) when a loop is already running."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    started = time.perf_counter()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_schema(path))
    rnd = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -262144")  # 256 MB while building indexes
        conn.execute("PRAGMA temp_store = MEMORY")
        stats = _load(conn, rnd, complaints, now)
    finally:
        conn.close()
    asyncio.run(_reaggregate(path))  # the sums' triggers were off during the load
    with sqlite3.connect(path) as done:
        done.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stats["load_s"] = round(time.perf_counter() - started, 2)
    stats["bytes"] = path.stat().st_size
    return stats


def _load(conn: sqlite3.Connection, rnd: random.Random, n: int, now: datetime) -> dict[str, Any]:
    now_ts = int(now.timestamp())
    start_ts = now_ts - SPAN_DAYS * D
    clock = _Clock()
    grids = [r[0] for r in conn.execute("SELECT id FROM grids ORDER BY id")]
    zones = [r[0] for r in conn.execute("SELECT id FROM zones ORDER BY id")]
    communities = [r[0] for r in conn.execute("SELECT id FROM communities ORDER BY id")]
    stations = [r[0] for r in conn.execute("SELECT id FROM liaison_stations ORDER BY id")]
    departments = conn.execute("SELECT id, name FROM departments ORDER BY id").fetchall()
    cats = conn.execute("SELECT id, code, department_id, is_hazard FROM categories").fetchall()
    if not grids or not cats:
        raise RuntimeError("the demo town was not seeded")

    conn.execute("BEGIN")
    stamp = clock.iso(start_ts)
    grants = [
        (WORKER_BASE + g, "grid_worker", g, None, None, f"网格员{fake_name(rnd)}", stamp)
        for g in grids
    ]
    grants += [
        (DEPT_BASE + d, "department", None, d, None, f"{name}联络员{fake_name(rnd)}", stamp)
        for d, name in departments
    ]
    reps = [REP_BASE + i for i in range(1, REPRESENTATIVES + 1)]
    grants += [
        (rep, "representative", None, None, zones[i % len(zones)], f"代表{fake_name(rnd)}", stamp)
        for i, rep in enumerate(reps)
    ]
    conn.executemany(
        """INSERT INTO role_grants (user_id, role, grid_id, department_id, zone_id,
               display_name, granted_at, granted_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench')""",
        grants,
    )
    conn.execute("COMMIT")

    # Secondary indexes are rebuilt after the load (sorting once beats n random inserts).
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints'"
        " AND sql IS NOT NULL"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    # The bulletin sums' triggers too: one rebuild after the load (`generate`) beats n updates.
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND name LIKE 'complaint_sums_%'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")

    counts = _complaints(conn, rnd, clock, n, start_ts, now_ts, grids, cats, reps)

    conn.execute("BEGIN")
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("COMMIT")

    conn.execute("BEGIN")
    town = Town(
        conn, rnd, clock.iso, n, start_ts, now_ts, grids, zones, communities, stations, reps
    )
    counts |= activity(town)
    for _, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    counts["grid_workers"] = len(grids)
    counts["representatives"] = len(reps)
    return counts


def _complaints(
    conn: sqlite3.Connection,
    rnd: random.Random,
    clock: _Clock,
    n: int,
    start_ts: int,
    now_ts: int,
    grids: list[int],
    cats: list[tuple[int, str, int | None, int]],
    reps: list[int],
) -> dict[str, Any]:
    """The complaints, in the order they arrived (ids and numbers follow created_at)."""
    random_ = rnd.random
    randint = rnd.randint
    iso = clock.iso
    grid_weights = [rnd.uniform(0.5, 1.5) for _ in grids]
    # each grid's habit: its share of cases accepted and resolved in time moves ±4 points
    skill = {g: (rnd.uniform(-0.04, 0.04), rnd.uniform(-0.05, 0.05)) for g in grids}
    cat_info = {c[0]: c for c in cats}
    cat_ids = [c[0] for c in cats]
    cat_weights = [CATEGORY_WEIGHTS.get(c[1], 10) for c in cats]
    previous: dict[tuple[int, int], int] = {}
    per_year: dict[int, int] = {}
    supervision: list[tuple[int, int, str, str]] = []
    tally = {"rejected": 0, "escalated": 0, "relapses": 0, "routed": 0, "rated": 0}
    span = now_ts - start_ts
    next_id = 1
    chunks = max(1, -(-n // CHUNK))
    for chunk in range(chunks):
        size = min(CHUNK, n - chunk * CHUNK)
        lo = start_ts + span * chunk * CHUNK // n
        hi = start_ts + span * (chunk * CHUNK + size) // n
        created_list = sorted(randint(lo, hi - 1) for _ in range(size))
        grid_list = rnd.choices(grids, grid_weights, k=size)
        cat_list = rnd.choices(cat_ids, cat_weights, k=size)
        rows = []
        for c, grid, cat in zip(created_list, grid_list, cat_list, strict=True):
            cid = next_id
            next_id += 1
            _, _, cat_dept, hazard = cat_info[cat]
            year = int(iso(c)[:4])
            seq = per_year.get(year, 0) + 1
            per_year[year] = seq
            kind = "hazard" if hazard else "complaint"
            if random_() < 0.002:
                kind = "suggestion" if random_() < 0.5 else "rectification"
                source = ("announced", "unannounced", "reception")[randint(0, 2)]
                supervision.append((cid, reps[randint(0, len(reps) - 1)], source, iso(c)))
            dept = cat_dept if cat_dept is not None and random_() < DEPARTMENT_SHARE else None
            if dept is not None:
                tally["routed"] += 1
            parent = None
            if random_() < 0.02:
                parent = previous.get((grid, cat))
                if parent is not None:
                    tally["relapses"] += 1
            previous[grid, cat] = cid
            ack_due, resolve_due = c + D, c + 5 * D
            accepted = resolved = closed = escalated = None
            reason = rating = note = None
            updated = c
            ack_skill, resolve_skill = skill[grid]
            status = "submitted"
            if random_() < 0.02:
                at = c + randint(600, 2 * D)
                if at <= now_ts:
                    status, updated = "rejected", at
                    tally["rejected"] += 1
            else:
                r = random_()
                if r < 0.90 + ack_skill:
                    at = c + randint(600, D - 60)
                elif r < 0.985:
                    at = c + randint(D + 600, 3 * D)
                else:
                    at = None
                    if ack_due <= now_ts:
                        status, escalated, updated = "escalated", ack_due, ack_due
                if at is not None and at <= now_ts:
                    status, accepted, updated = "accepted", at, at
                    r = random_()
                    if r < 0.85 + resolve_skill:
                        at = randint(accepted + H, resolve_due - 60)
                    elif r < 0.985:
                        at = resolve_due + randint(H, 10 * D)
                    else:
                        at = None
                        if resolve_due <= now_ts:
                            status, escalated, updated = "escalated", resolve_due, resolve_due
                    if at is not None and at <= now_ts:
                        status, resolved, updated, note = "resolved", at, at, RESOLUTION
                        if random_() < 0.7:
                            at = resolved + randint(H, 3 * D - H)
                            if at <= now_ts:
                                closed, reason = at, "confirmed"
                                rating = RATINGS[randint(0, 99)]
                                tally["rated"] += 1
                        else:
                            at = resolved + 3 * D + randint(60, H)
                            if at <= now_ts:
                                closed, reason = at, "no_reply"
                        if closed is not None:
                            status, updated = "closed", closed
            if escalated is not None:
                tally["escalated"] += 1
            rows.append(
                (
                    cid, f"MH-{year:04d}-{seq:06d}", kind, cat, grid, None, 1, DESCRIPTION,
                    status, dept, iso(ack_due), iso(resolve_due),
                    None if accepted is None else iso(accepted),
                    None if resolved is None else iso(resolved),
                    None if closed is None else iso(closed),
                    reason, rating, parent, iso(c), iso(updated),
                    None if escalated is None else iso(escalated), note,
                )
            )  # fmt: skip
        conn.execute("BEGIN")
        conn.executemany(INSERT_COMPLAINT, rows)
        conn.execute("COMMIT")
    conn.execute("BEGIN")
    conn.executemany(
        """INSERT INTO supervision_items (complaint_id, representative_id, source, created_at)
           VALUES (?, ?, ?, ?)""",
        supervision,
    )
    conn.executemany(
        "INSERT INTO counters (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [(f"complaint:{year}", seq) for year, seq in per_year.items()],
    )
    conn.execute("COMMIT")
    return {"complaints": n, "supervision_items": len(supervision), **tally}


def _migrations_digest() -> str:
    """A digest of every migration's text."""
    folder = Path(storage.__file__).parent / "migrations"
    digest = hashlib.sha256()
    for sql in sorted(folder.glob("*.sql")):
        digest.update(sql.read_bytes())
    return digest.hexdigest()[:16]


def cached(
    work: Path, complaints: int, *, seed: int, now: datetime, regenerate: bool = False
) -> tuple[Path, dict[str, Any], bool]:
    """The database for (complaints, seed, now) in `work`: reused when its sidecar says it was
    made by this generator version for the current schema, else generated. Returns the path,
    the generation stats (with `load_s` of when it was made) and whether it was reused."""
    path = work / f"bulletins-{complaints}-s{seed}-{now.strftime('%Y%m%dT%H%M')}.db"
    sidecar = path.with_suffix(".json")
    want = {
        "version": VERSION,
        "schema": latest_version(),
        "migrations": _migrations_digest(),  # an edited migration (new index) regenerates
        "complaints": complaints,
        "seed": seed,
        "now": now.isoformat(),
    }
    if not regenerate and path.exists() and sidecar.exists():
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError:
            meta = {}
        if all(meta.get(k) == v for k, v in want.items()):
            return path, meta["stats"], True
    sidecar.unlink(missing_ok=True)
    stats = generate(path, complaints, seed=seed, now=now)
    sidecar.write_text(json.dumps({**want, "stats": stats}, ensure_ascii=False), "utf-8")
    return path, stats, False


if __name__ == "__main__":  # python -m tests.bench.synthetic 100000 /tmp/x.db
    import sys

    size, target = int(sys.argv[1]), Path(sys.argv[2])
    moment = datetime.now(UTC).replace(microsecond=0)
    print(json.dumps(generate(target, size, now=moment), ensure_ascii=False))
