"""Bulletins (晾晒): rankings, the report, its rendering, exports and publishing."""
