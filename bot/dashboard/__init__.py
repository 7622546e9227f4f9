"""The command centre's screen (综合指挥, 一屏全览): a read-only web page for dispatchers,
admins and zone leaders — the map, the board, the figures, kept live. Login links, sessions
and scopes (`access.py`), the JSON (`board.py`, `figures.py`), the live feed (`live.py`) and
the tornado app (`server.py`). Never imports telegram."""
