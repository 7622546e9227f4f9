"""属地 routing: which grid a report belongs to — the grid whose boundary contains its
location, or whose place names its typed address names (`service`); the pure geometry
(`geometry`), the fuzzy names (`matching`) and the GeoJSON import (`geojson`)."""
