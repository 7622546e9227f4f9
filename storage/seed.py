"""Demo data: the town of 埭溪镇 from the seed article, and default categories.

Zones come from the article (上强, 阳山, 梅峰, 老虎潭); communities and grids below them are
invented for the demo and marked `is_demo = 1`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

from storage import demo_services, places
from storage.db import Database
from storage.demo_places import demo_shapes

DEMO_TOWN: dict[str, tuple[str, list[tuple[str, str, list[str]]]]] = {
    # zone code: (zone name, [(community code, community name, [grid names])])
    "SQ": (
        "上强片区",
        [
            ("SQ-01", "上强社区", ["上强社区第一网格", "上强社区第二网格"]),
            ("SQ-02", "东红村", ["东红村第一网格", "东红村第二网格"]),
        ],
    ),
    "YS": (
        "阳山片区",
        [
            ("YS-01", "阳山社区", ["阳山社区第一网格", "阳山工业园网格"]),
            ("YS-02", "大冲村", ["大冲村网格"]),
        ],
    ),
    "MF": (
        "梅峰片区",
        [
            ("MF-01", "梅峰村", ["梅峰村第一网格", "梅峰村第二网格"]),
            ("MF-02", "三合村", ["三合村网格"]),
        ],
    ),
    "LHT": (
        "老虎潭片区",
        [
            ("LHT-01", "老虎潭村", ["老虎潭村网格", "水源保护区网格"]),
            ("LHT-02", "鲁家庄村", ["鲁家庄村网格"]),
        ],
    ),
}

DEPARTMENTS = [
    ("ZHZF", "综合执法", "Law enforcement"),
    ("CJ", "城建", "Urban construction"),
    ("XF", "消防", "Fire services"),
    ("SHZL", "社会治理", "Social governance"),
    ("HB", "生态环境", "Environment"),
]

# code, name, English name, hazard?, department code or None (None: the grid), ack, resolve
CATEGORIES = [
    ("safety", "安全隐患", "Safety hazard", 1, "XF", 1, 1),
    ("sanitation", "环境卫生", "Sanitation", 0, None, 1, 3),
    ("parking", "停车管理", "Parking", 0, None, 1, 3),
    ("facility", "公共设施", "Public facilities", 0, "CJ", 1, 5),
    ("dispute", "矛盾纠纷", "Neighbour dispute", 0, None, 1, 15),
    ("construction", "违章搭建", "Illegal construction", 0, "ZHZF", 1, 15),
    ("other", "其他", "Other", 0, None, 1, 5),
]


# The people's congress liaison sites of the seed article, "1个人大代表联络站+5个人大代表联络点"
# (names and addresses invented for the demo town): code, name, address, zone code (None: the
# whole town), station or point.
STATIONS = [
    ("RD-TOWN", "埭溪镇人大代表联络站", "埭溪镇人民政府一楼", None, "station"),
    ("RD-SQ", "上强片区人大代表联络点", "上强社区党群服务中心", "SQ", "point"),
    ("RD-DH", "东红村人大代表联络点", "东红村文化礼堂", "SQ", "point"),
    ("RD-YS", "阳山片区人大代表联络点", "阳山社区党群服务中心", "YS", "point"),
    ("RD-MF", "梅峰片区人大代表联络点", "梅峰村便民服务中心", "MF", "point"),
    ("RD-LHT", "老虎潭片区人大代表联络点", "老虎潭村便民服务中心", "LHT", "point"),
]


async def ensure_reference_data(conn: aiosqlite.Connection) -> None:
    """Departments and categories (idempotent; a real town needs these too)."""
    await conn.executemany(
        "INSERT INTO departments (code, name, name_en) VALUES (?, ?, ?) "
        "ON CONFLICT(code) DO NOTHING",
        DEPARTMENTS,
    )
    for sort, (code, name, name_en, hazard, dept, ack, resolve) in enumerate(CATEGORIES):
        await conn.execute(
            """INSERT INTO categories (code, name, name_en, is_hazard, department_id,
                   ack_days, resolve_days, sort)
               VALUES (?, ?, ?, ?, (SELECT id FROM departments WHERE code = ?), ?, ?, ?)
               ON CONFLICT(code) DO NOTHING""",
            (code, name, name_en, hazard, dept, ack, resolve, sort),
        )


async def seed_demo(db: Database) -> dict[str, int]:
    """Load the demo town (idempotent); returns how many of each thing exist afterwards."""
    async with db.transaction() as conn:
        await ensure_reference_data(conn)
        for zone_code, (zone_name, communities) in DEMO_TOWN.items():
            await conn.execute(
                "INSERT INTO zones (code, name, is_demo) VALUES (?, ?, 1) "
                "ON CONFLICT(code) DO NOTHING",
                (zone_code, zone_name),
            )
            for c_code, c_name, grids in communities:
                kind = "village" if c_name.endswith("村") else "community"
                await conn.execute(
                    """INSERT INTO communities (zone_id, code, name, kind, is_demo)
                       VALUES ((SELECT id FROM zones WHERE code = ?), ?, ?, ?, 1)
                       ON CONFLICT(code) DO NOTHING""",
                    (zone_code, c_code, c_name, kind),
                )
                for n, g_name in enumerate(grids, start=1):
                    await conn.execute(
                        """INSERT INTO grids (community_id, code, name, is_demo)
                           VALUES ((SELECT id FROM communities WHERE code = ?), ?, ?, 1)
                           ON CONFLICT(code) DO NOTHING""",
                        (c_code, f"{c_code}-{n:02d}", g_name),
                    )
        await conn.executemany(
            """INSERT INTO liaison_stations (code, name, address, zone_id, kind, is_demo)
               VALUES (?, ?, ?, (SELECT id FROM zones WHERE code = ?), ?, 1)
               ON CONFLICT(code) DO NOTHING""",
            STATIONS,
        )
        await places.save_demo(conn, demo_shapes(), datetime.now(UTC))
        await demo_services.save_demo(conn, datetime.now(UTC))
    counts = {}
    for table in ("zones", "communities", "grids", "departments", "categories"):
        counts[table] = int(await db.fetchval(f"SELECT COUNT(*) FROM {table}"))
    return counts
