"""The benchmark's emulator, in a process of its own: ``python -m tests.bench.emulator``.

It listens on a free port, prints one JSON line (``url``, ``api_base``) once it serves, and
runs until interrupted (SIGINT). The benchmark configures it over its client API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal

from bot.emulator import Emulator, EmulatorConfig


async def serve() -> None:
    """Start, announce the address on stdout, serve until SIGINT or SIGTERM."""
    emu = Emulator(EmulatorConfig(host="127.0.0.1", port=0, flood_control=True))
    await emu.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(json.dumps({"url": emu.url, "api_base": emu.bot_api_base}), flush=True)
    try:
        await stop.wait()
    finally:
        await emu.stop()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
