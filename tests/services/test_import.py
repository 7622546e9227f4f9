"""`minhu import-services`: service points from a CSV sheet (as Excel saves it) or a GeoJSON
file, all or nothing, every problem named; the grid comes from the location when not given."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.services.importer import import_file
from storage import services as store
from storage.csv_import import ImportError_
from storage.db import Database

NOW = datetime(2026, 3, 2, tzinfo=UTC)
HEADER = (
    "code,name,kind,address,latitude,longitude,grid,hours,holidays,phone,services,"
    "appointments,private\n"
)


async def test_a_csv_sheet_in_gbk_is_imported_and_again_updates_by_code(
    seeded_db: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "points.csv"
    sheet.write_bytes(
        (
            HEADER
            + "X-1,新街健康小屋,健康小屋,新街小区,30.578,119.94,,周一至周五 8:30-17:00,,"
            + "0572-1111111,量血压|测血糖,,\n"
            + 'X-2,镇心理咨询室,counselling,镇政府,,,SQ-01-02,"周二 14:00-17:00",,,心理咨询,60,\n'
        ).encode("gb18030")
    )
    async with Database(seeded_db) as db:
        assert await import_file(db, sheet, NOW) == 2
        one, two = await store.by_code(db, "X-1"), await store.by_code(db, "X-2")
        assert one is not None and two is not None
        assert one.kind == "health" and one.services == ("量血压", "测血糖")
        assert one.grid_id is not None  # from its location (属地)
        assert two.private and two.slot_minutes == 60 and two.latitude is None
        version = await store.version(db)
        assert await import_file(db, sheet, NOW) == 2
        assert await store.version(db) == version + 1
        assert await db.fetchval("SELECT COUNT(*) FROM service_points WHERE code LIKE 'X-%'") == 2


async def test_a_bad_sheet_imports_nothing_and_names_every_line(
    seeded_db: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(
        HEADER
        + "X-1,好的,health,,30.5,119.9,,每天 8:00-17:00,,,,,\n"
        + "X-1,重复,health,,,,,每天 8:00-17:00,,,,,\n"
        + "X-3,坐标反了,health,,119.9,30.5,,每天 8:00-17:00,,,,,\n"
        + "X-4,时间不对,health,,,,,随时,,,,,\n"
        + "X-5,没有的网格,health,,,,NOPE,每天 8:00-17:00,,,,,\n"
        + "X-6,不知道是什么,spaceport,,,,,每天 8:00-17:00,,,,,\n",
        encoding="utf-8",
    )
    async with Database(seeded_db) as db:
        before = await db.fetchval("SELECT COUNT(*) FROM service_points")
        with pytest.raises(ImportError_) as refused:
            await import_file(db, sheet, NOW)
        assert [line for line, _ in refused.value.problems] == [3, 4, 5, 6, 7]
        assert "off the map" in refused.value.problems[1][1]
        assert await db.fetchval("SELECT COUNT(*) FROM service_points") == before


async def test_a_geojson_file_of_points_is_imported(seeded_db: Path, tmp_path: Path) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [119.9313, 30.5889]},
                "properties": {
                    "code": "G-1",
                    "name": "上强丰收驿站",
                    "kind": "驿站",
                    "hours": "每天 7:30-19:30",
                    "holidays": "open",
                    "services": ["快递代收", "农产品代销"],
                },
            }
        ],
    }
    path = tmp_path / "points.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    async with Database(seeded_db) as db:
        assert await import_file(db, path, NOW) == 1
        found = await store.by_code(db, "G-1")
        assert found is not None and found.kind == "station" and not found.holidays_closed
        assert found.latitude == 30.5889 and found.services == ("快递代收", "农产品代销")


def test_minhu_import_services_reports_each_bad_line_and_imports_a_good_file(
    tmp_path: Path,
) -> None:
    from tests.core.test_cli import minhu

    assert minhu(tmp_path, "seed-demo").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "Y-1,时间不对,health,,,,,随时,,,,,\n", encoding="utf-8")
    refused = minhu(tmp_path, "import-services", str(bad))
    assert refused.returncode == 1
    assert f"{bad}:2: hours not understood" in refused.stderr
    assert "nothing was imported" in refused.stderr
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER + "Y-1,新健康小屋,health,,30.578,119.94,,每天 8:00-17:00,,,,,\n", "utf-8"
    )
    done = minhu(tmp_path, "import-services", str(good))
    assert done.returncode == 0 and "imported 1 service points" in done.stdout
