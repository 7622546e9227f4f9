-- 属地 routing (issue 15): each grid's boundary and the place names inside it, so a report is
-- sent to the grid where the problem is, not the reporter's home grid. Imported from GeoJSON
-- (`minhu import-grids`, bot/places/geojson.py); the demo town gets invented ones.

-- A grid's boundary: one or more polygons, each a list of rings (the outer ring first, then
-- holes), each ring a list of [longitude, latitude] — GeoJSON's order — as JSON text. The
-- bounding box is kept beside it so routing can skip most grids without reading the rings.
CREATE TABLE grid_boundaries (
    grid_id      INTEGER PRIMARY KEY REFERENCES grids(id) ON DELETE CASCADE,
    polygons     TEXT NOT NULL,
    min_lat      REAL NOT NULL,
    min_lng      REAL NOT NULL,
    max_lat      REAL NOT NULL,
    max_lng      REAL NOT NULL,
    imported_at  TEXT NOT NULL
);

-- Place names a resident may type for somewhere in a grid: 小区 (estate), 楼栋 (building),
-- roads and landmarks. A re-import of a grid replaces its names.
CREATE TABLE grid_places (
    id       INTEGER PRIMARY KEY,
    grid_id  INTEGER NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('estate', 'building', 'road', 'landmark')),
    name     TEXT NOT NULL,
    UNIQUE (grid_id, kind, name)
);
CREATE INDEX grid_places_grid ON grid_places(grid_id);
