"""A published bulletin's figures, frozen: the whole report as one JSON document, stored with
the bulletin when it is published (storage/bulletins.py) and read back as the same `Report`.

Every figure a bulletin shows — each unit's counts, shares, score, rank, tie and honour, the
areas, categories and meetings, and the moment it was counted — is in the document, so an
export made months later from it prints exactly what was published, whatever changed in the
records since (a case reopened, closed late, a worker's grids changed) and whatever the
weights are now. Like the report, it holds no resident's data: units are grids, departments,
areas, and staff by the name they were granted under; volunteers are counted, never named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.bulletins.rankings import Change, Ranked, UnitStats, Weights
from bot.bulletins.report import AreaRow, BulletinConfig, CategoryRow, MeetingRow, Report
from bot.bulletins.volunteers import VolunteerRow
from bot.core.periods import Period
from bot.mediation.stats import Row as MediationRow

VERSION = 1


def dump(report: Report) -> str:
    """The report as a JSON document (keys sorted: the same figures, the same text)."""
    return json.dumps(_document(report), ensure_ascii=False, sort_keys=True)


def fingerprint(report: Report) -> str:
    """A short digest of the figures alone (not the moment they were counted): two reports
    with the same fingerprint print the same tables."""
    document = _document(report)
    del document["as_of"]
    text = json.dumps(document, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load(text: str) -> Report:
    """The report a document was made from; ValueError for one this code cannot read."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("version") != VERSION:
        raise ValueError("not a bulletin snapshot of a known version")
    period = doc["period"]
    config = doc["config"]
    return Report(
        period=Period(
            period["kind"], date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
        ),
        as_of=datetime.fromisoformat(doc["as_of"]),
        config=BulletinConfig(
            tz=ZoneInfo(config["tz"]),
            weights=Weights(**{"visit": 0, **config["weights"]}),  # none before 网格走亲
            min_cases=config["min_cases"],
        ),
        total=Change(**doc["total"]),
        grids=[_ranked(r) for r in doc["grids"]],
        workers=[_ranked(r) for r in doc["workers"]],
        departments=[_ranked(r) for r in doc["departments"]],
        representatives=[_ranked(r) for r in doc["representatives"]],
        zones=[_area(a) for a in doc["zones"]],
        communities=[_area(a) for a in doc["communities"]],
        categories=[
            CategoryRow(c["id"], c["code"], c["name"], c["name_en"], Change(**c["change"]))
            for c in doc["categories"]
        ],
        meetings=[MeetingRow(**m) for m in doc["meetings"]],
        grid_zone=dict(doc["grid_zone"]),
        mediations=[MediationRow(**m) for m in doc.get("mediations", [])],  # none before 0020
        volunteers=[VolunteerRow(**v) for v in doc.get("volunteers", [])],  # none before 志愿服务
    )


def _document(report: Report) -> dict[str, Any]:
    return {
        "version": VERSION,
        "period": {
            "kind": report.period.kind,
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
        },
        "as_of": report.as_of.isoformat(),
        "config": {
            "tz": report.config.tz.key,
            "weights": asdict(report.config.weights),
            "min_cases": report.config.min_cases,
        },
        "total": asdict(report.total),
        "grids": [asdict(r) for r in report.grids],
        "workers": [asdict(r) for r in report.workers],
        "departments": [asdict(r) for r in report.departments],
        "representatives": [asdict(r) for r in report.representatives],
        "zones": [_area_doc(a) for a in report.zones],
        "communities": [_area_doc(a) for a in report.communities],
        "categories": [asdict(c) for c in report.categories],
        "meetings": [asdict(m) for m in report.meetings],
        "mediations": [asdict(m) for m in report.mediations],
        "volunteers": [asdict(v) for v in report.volunteers],
        "grid_zone": report.grid_zone,
    }


def _ranked(doc: dict[str, Any]) -> Ranked:
    return Ranked(
        UnitStats(**doc["stats"]),
        doc["score"],
        doc["rank"],
        tied=doc["tied"],
        honoured=doc["honoured"],
    )


def _area_doc(area: AreaRow) -> dict[str, Any]:
    """JSON keys are text: category ids are written as text and read back as numbers."""
    return {
        "key": area.key,
        "name": area.name,
        "parent": area.parent,
        "current": {str(k): v for k, v in area.current.items()},
        "previous": {str(k): v for k, v in area.previous.items()},
    }


def _area(doc: dict[str, Any]) -> AreaRow:
    return AreaRow(
        doc["key"],
        doc["name"],
        doc["parent"],
        {int(k): v for k, v in doc["current"].items()},
        {int(k): v for k, v in doc["previous"].items()},
    )
