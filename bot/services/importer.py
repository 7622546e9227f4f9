"""`minhu import-services FILE`: service points from CSV (a sheet saved by Excel: UTF-8, with
BOM, or GBK) or GeoJSON (a FeatureCollection of Points), all or nothing.

Columns (CSV header / GeoJSON properties): code, name, kind, address, latitude, longitude
(GeoJSON: the Point's coordinates), grid, hours, holidays, phone, services, accessibility,
appointments, capacity, private. Every problem is reported as (line or feature, reason).
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.places.service import grid_at
from bot.services.rules import KINDS, parse_hours
from storage import services as store
from storage.csv_import import ImportError_, decode_text
from storage.db import Database
from storage.services import PointIn

COLUMNS = ("code", "name", "kind", "address", "latitude", "longitude", "grid", "hours")
OPTIONAL = ("holidays", "phone", "services", "accessibility", "appointments", "capacity", "private")
KIND_WORDS = {
    "健康小屋": "health",
    "卫生院": "clinic",
    "卫生服务站": "clinic",
    "心理咨询室": "counselling",
    "党群服务中心": "party",
    "便民服务中心": "affairs",
    "养老": "elderly",
    "养老服务": "elderly",
    "驿站": "station",
    "其他": "other",
}
YES, NO = (
    ("yes", "y", "1", "true", "是", "closed", "休"),
    ("no", "n", "0", "false", "否", "open", "开"),
)
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
MAX_NAME, MAX_TEXT = 64, 200


def _flag(value: str, default: bool) -> bool:
    value = value.strip().lower()
    if not value:
        return default
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"expected yes or no, got {value!r}")


def _point(row: dict[str, Any], grids: dict[str, int]) -> tuple[PointIn, int | None]:
    """One point from its fields; ValueError naming what is wrong."""
    text = {
        k: str(row.get(k) if row.get(k) is not None else "").strip() for k in (*COLUMNS, *OPTIONAL)
    }
    if isinstance(row.get("services"), list):
        text["services"] = "|".join(str(s) for s in row["services"])
    code, name = text["code"], text["name"]
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", code):
        raise ValueError(f"code must be 1-40 letters, digits, '-', '_' or '.', got {code!r}")
    if not 1 <= len(name) <= MAX_NAME:
        raise ValueError(f"name must be 1-{MAX_NAME} characters")
    kind = KIND_WORDS.get(text["kind"], text["kind"].lower())
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)} (or 健康小屋, 驿站 …)")
    lat = lng = None
    if text["latitude"] or text["longitude"]:
        try:
            lat, lng = float(text["latitude"]), float(text["longitude"])
        except ValueError:
            raise ValueError("latitude and longitude must be numbers") from None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError("latitude or longitude off the map (latitude first?)")
    grid = text["grid"] or None
    if grid is not None and grid not in grids:
        raise ValueError(f"unknown grid {grid!r} (import the town first)")
    hours = parse_hours(text["hours"])
    if hours is None:
        raise ValueError(f"hours not understood: {text['hours']!r} (e.g. 周一至周五 8:30-17:00)")
    if text["phone"] and not PHONE.match(text["phone"]):
        raise ValueError(f"phone not understood: {text['phone']!r}")
    slot = (
        int(text["appointments"] or 0)
        if text["appointments"].isdigit() or not text["appointments"]
        else -1
    )
    capacity = int(text["capacity"] or 1) if (text["capacity"] or "1").isdigit() else 0
    if not 0 <= slot <= 240 or not 1 <= capacity <= 50:
        raise ValueError("appointments is minutes a slot (0-240), capacity 1-50 people a slot")
    services = tuple(s.strip() for s in re.split(r"[|、;；]", text["services"]) if s.strip())
    if len(text["address"]) > MAX_TEXT or len(text["accessibility"]) > MAX_TEXT:
        raise ValueError(f"address and accessibility take at most {MAX_TEXT} characters")
    point = PointIn(
        code=code,
        name=name,
        kind=kind,
        address=text["address"],
        latitude=lat,
        longitude=lng,
        grid_code=grid,
        hours=hours,
        holidays_closed=_flag(text["holidays"], True),
        phone=text["phone"],
        services=services,
        accessibility=text["accessibility"],
        slot_minutes=slot,
        slot_capacity=capacity,
        private=_flag(text["private"], kind == "counselling"),
    )
    return point, grids.get(grid) if grid else None


def _rows(raw: bytes, name: str) -> list[tuple[int, dict[str, Any]]]:
    """(line or feature number, fields) of a CSV or GeoJSON file."""
    text = decode_text(raw)
    if name.lower().endswith((".geojson", ".json")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ImportError_([(0, f"not JSON: {exc}")]) from exc
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise ImportError_([(0, "expected a GeoJSON FeatureCollection")])
        found = []
        for n, feature in enumerate(data.get("features") or [], start=1):
            props = dict(feature.get("properties") or {}) if isinstance(feature, dict) else {}
            geometry = feature.get("geometry") if isinstance(feature, dict) else None
            if isinstance(geometry, dict) and geometry.get("type") == "Point":
                coords = geometry.get("coordinates") or []
                if len(coords) >= 2:
                    props["longitude"], props["latitude"] = coords[0], coords[1]
            found.append((n, props))
        return found
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ImportError_([(1, f"missing columns: {', '.join(missing)}")])
    reader.fieldnames = header
    return [(line, dict(row)) for line, row in enumerate(reader, start=2)]


async def import_file(db: Database, path: Path, now: datetime) -> int:
    """Check the whole file, then write it in one transaction; how many points."""
    rows = _rows(await asyncio.to_thread(path.read_bytes), path.name)
    if not rows:
        raise ImportError_([(0, "no service points in the file")])
    grids = await store.grid_ids(db)
    problems: list[tuple[int, str]] = []
    points: list[tuple[PointIn, int | None]] = []
    seen: set[str] = set()
    for line, row in rows:
        try:
            point, grid_id = _point(row, grids)
        except ValueError as exc:
            problems.append((line, str(exc)))
            continue
        if point.code in seen:
            problems.append((line, f"code {point.code!r} appears twice"))
        seen.add(point.code)
        if grid_id is None and point.latitude is not None and point.longitude is not None:
            grid_id = await grid_at(db, point.latitude, point.longitude)
        points.append((point, grid_id))
    if problems:
        raise ImportError_(problems)
    return await store.save_all(db, points, now)
