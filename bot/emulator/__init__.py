"""Embedded Telegram Bot API emulator with a client API for simulated users and a chat page."""

from __future__ import annotations

from .config import EmulatorConfig
from .server import Emulator, run_emulator_in_thread, serve

__all__ = ["Emulator", "EmulatorConfig", "run_emulator_in_thread", "serve"]
