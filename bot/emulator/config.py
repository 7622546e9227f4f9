"""Runtime configuration of the Telegram Bot API emulator."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class EmulatorConfig:
    """Settings of an :class:`Emulator`; every limit can be switched at runtime."""

    host: str = "127.0.0.1"
    port: int = 8080
    max_text: int = 4096
    max_caption: int = 1024
    max_callback_data: int = 64
    strict_html: bool = True
    flood_control: bool = True
    overall_rate: float = 30.0
    overall_burst: int = 30
    private_rate: float = 1.0
    private_burst: int = 20
    group_rate: float = 20 / 60
    group_burst: int = 20
    webhook_timeout: float = 10.0
    # The command centre's screen (bot/dashboard), linked from the chat page's top bar when set.
    screen_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a JSON-friendly dict."""
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply ``changes`` (field -> value) after type-checking every value."""
        types = {f.name: f.type for f in fields(self)}
        parsed: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in types:
                raise ValueError(f"unknown config field: {key}")
            kind = types[key]
            if kind == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"{key} must be a boolean")
            elif kind == "int":
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{key} must be an integer")
            elif kind == "float":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{key} must be a number")
                value = float(value)
            elif kind == "str" and not isinstance(value, str):
                raise ValueError(f"{key} must be a string")
            parsed[key] = value
        for key, value in parsed.items():
            setattr(self, key, value)
