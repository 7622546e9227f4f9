"""Webhook delivery: POST queued updates in order, one at a time per bot, retrying with backoff."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import httpx

from .config import EmulatorConfig
from .methods_misc import drop_disallowed
from .models import BotRec, WebhookRec
from .state import State

log = logging.getLogger(__name__)

BACKOFF_BASE = 0.1
BACKOFF_MAX = 5.0


async def _post(
    client: httpx.AsyncClient, hook: WebhookRec, body: bytes, seconds: float
) -> str | None:
    """POST one update; return None on success or an error message like Telegram's."""
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
    try:
        resp = await client.post(hook.url, content=body, headers=headers, timeout=seconds)
    except httpx.TimeoutException:
        return "Read timeout expired"
    except httpx.HTTPError as exc:
        return f"Connection failed: {type(exc).__name__}: {exc}"
    if 200 <= resp.status_code < 300:
        return None
    return f"Wrong response from the webhook: {resp.status_code} {resp.reason_phrase}"


async def deliver_updates(
    state: State, config: EmulatorConfig, bot: BotRec, hook: WebhookRec, client: httpx.AsyncClient
) -> None:
    """Deliver ``bot``'s updates to ``hook`` until the webhook changes or the emulator closes."""
    attempt = 0

    def active() -> bool:
        return bot.webhook is hook and not state.closed

    def ready() -> bool:
        if not active():
            return True
        drop_disallowed(bot)
        return bool(bot.updates)

    while active():
        await state.notifier.wait_for(ready, None)
        if not active():
            return
        update = bot.updates[0]
        body = json.dumps(update, ensure_ascii=False).encode("utf-8")
        error = await _post(client, hook, body, config.webhook_timeout)
        if not active():
            return
        if error is None:
            attempt = 0
            bot.updates = [u for u in bot.updates if u["update_id"] != update["update_id"]]
            state.notifier.notify()
            continue
        hook.last_error_date = int(time.time())
        hook.last_error_message = error
        delay = min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt)
        attempt += 1
        log.info("webhook delivery to %s failed (%s); retry in %.1fs", hook.url, error, delay)
        await state.notifier.wait_for(lambda: not active(), delay)


def start_delivery(
    state: State, config: EmulatorConfig, bot: BotRec, client: httpx.AsyncClient
) -> None:
    """(Re)start the delivery task of ``bot`` for its current webhook."""
    stop_delivery(bot)
    if bot.webhook is None:
        return
    bot.webhook_task = asyncio.get_running_loop().create_task(
        deliver_updates(state, config, bot, bot.webhook, client),
        name=f"webhook-{bot.id}",
    )


def stop_delivery(bot: BotRec) -> None:
    """Cancel the delivery task of ``bot`` (if any)."""
    task, bot.webhook_task = bot.webhook_task, None
    if task is not None and not task.done():
        task.cancel()
