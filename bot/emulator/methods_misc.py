"""Bot API methods: getMe, updates, webhooks, callbacks, commands, files, chats, profile texts."""

from __future__ import annotations

import re
from typing import Any

from .apicore import Ctx, api_method
from .limits import ApiError, bad_request, validate_commands
from .models import BotRec, UserRec, WebhookRec
from .state import ADMIN_RIGHTS

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")
SCOPES_PLAIN = {"default", "all_private_chats", "all_group_chats", "all_chat_administrators"}


def update_kind(update: dict[str, Any]) -> str:
    """The type of an update (its payload key)."""
    return next((k for k in update if k != "update_id"), "")


def drop_disallowed(bot: BotRec) -> None:
    """Forget queued updates the bot did not subscribe to (Telegram never delivers them)."""
    bot.updates = [u for u in bot.updates if bot.accepts(update_kind(u))]


def _allowed_updates_param(ctx: Ctx) -> list[str] | None:
    value = ctx.params.get_json("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request("can't parse allowed updates JSON object")
    return value


@api_method("getMe")
async def get_me(ctx: Ctx) -> Any:
    """getMe."""
    return {
        **ctx.bot.user.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("getUpdates")
async def get_updates(ctx: Ctx) -> Any:
    """getUpdates with offset confirmation and real long polling."""
    bot = ctx.bot
    if bot.webhook is not None:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = ctx.params.get_int("offset") or 0
    limit = max(1, min(100, ctx.params.get_int("limit") or 100))
    timeout = max(0.0, ctx.params.get_float("timeout") or 0.0)
    subscription = _allowed_updates_param(ctx)
    if subscription is not None:
        bot.allowed_updates = subscription or None
    if offset > 0:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    elif offset < 0:
        bot.updates = bot.updates[offset:]
    bot.poll_generation += 1
    generation = bot.poll_generation
    ctx.state.notifier.notify()  # terminates an older long poll of this bot

    def ready() -> bool:
        if ctx.state.closed or generation != bot.poll_generation or bot.webhook is not None:
            return True
        drop_disallowed(bot)
        return bool(bot.updates)

    await ctx.state.notifier.wait_for(ready, timeout)
    if generation != bot.poll_generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if bot.webhook is not None or ctx.state.closed:
        return []
    drop_disallowed(bot)
    return bot.updates[:limit]


@api_method("setWebhook")
async def set_webhook(ctx: Ctx) -> Any:
    """setWebhook (an empty url removes the webhook)."""
    url = (ctx.params.get_str("url") or "").strip()
    subscription = _allowed_updates_param(ctx)
    secret = ctx.params.get_str("secret_token")
    if secret is not None and secret != "" and not _SECRET_RE.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise bad_request("bad webhook: invalid webhook URL specified")
    if ctx.params.get_bool("drop_pending_updates"):
        ctx.bot.updates.clear()
    if subscription is not None:
        ctx.bot.allowed_updates = subscription or None
    if not url:
        ctx.bot.webhook = None
        ctx.host.stop_webhook(ctx.bot)
        return True
    ctx.bot.webhook = WebhookRec(
        url=url,
        secret_token=secret or None,
        allowed_updates=subscription,
        max_connections=ctx.params.get_int("max_connections") or 40,
    )
    ctx.host.start_webhook(ctx.bot)
    ctx.state.notifier.notify()
    return True


@api_method("deleteWebhook")
async def delete_webhook(ctx: Ctx) -> Any:
    """deleteWebhook."""
    if ctx.params.get_bool("drop_pending_updates"):
        ctx.bot.updates.clear()
    ctx.bot.webhook = None
    ctx.host.stop_webhook(ctx.bot)
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(ctx: Ctx) -> Any:
    """getWebhookInfo."""
    hook = ctx.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.bot.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        if ctx.bot.allowed_updates:
            info["allowed_updates"] = ctx.bot.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@api_method("answerCallbackQuery")
async def answer_callback_query(ctx: Ctx) -> Any:
    """answerCallbackQuery (the query must exist and be unanswered)."""
    query = ctx.bot.callbacks.get(ctx.params.get_str("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = ctx.params.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.text = text
    query.show_alert = ctx.params.get_bool("show_alert")
    query.url = ctx.params.get_str("url")
    query.cache_time = ctx.params.get_int("cache_time")
    ctx.state.notifier.notify()
    return True


def scope_key(ctx: Ctx) -> str:
    """Canonical key of the ``scope`` parameter of the *MyCommands methods."""
    scope = ctx.params.get_json("scope")
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind in SCOPES_PLAIN:
        return kind
    if kind not in ("chat", "chat_administrators", "chat_member"):
        raise bad_request("wrong scope type specified")
    chat_id = scope.get("chat_id")
    chat = None
    if isinstance(chat_id, int) or (isinstance(chat_id, str) and chat_id.lstrip("-").isdigit()):
        chat = ctx.bot.chats.get(int(chat_id))
    if chat is None:
        raise bad_request("chat not found")
    if kind != "chat_member":
        return f"{kind}:{chat.id}"
    user_id = scope.get("user_id")
    if not isinstance(user_id, int):
        raise bad_request("user not found")
    return f"chat_member:{chat.id}:{user_id}"


def _lang(ctx: Ctx) -> str:
    lang = (ctx.params.get_str("language_code") or "").strip()
    if lang and not _LANG_RE.match(lang):
        raise bad_request("invalid language_code specified (two-letter ISO 639-1 code expected)")
    return lang


@api_method("setMyCommands")
async def set_my_commands(ctx: Ctx) -> Any:
    """setMyCommands (stored per scope and language)."""
    commands = validate_commands(ctx.params.get_json("commands"))
    key = (scope_key(ctx), _lang(ctx))
    if commands:
        ctx.bot.commands[key] = commands
    else:
        ctx.bot.commands.pop(key, None)
    return True


@api_method("getMyCommands")
async def get_my_commands(ctx: Ctx) -> Any:
    """getMyCommands (exact scope and language, no fallback, like Telegram)."""
    return ctx.bot.commands.get((scope_key(ctx), _lang(ctx)), [])


@api_method("deleteMyCommands")
async def delete_my_commands(ctx: Ctx) -> Any:
    """deleteMyCommands."""
    ctx.bot.commands.pop((scope_key(ctx), _lang(ctx)), None)
    return True


def resolve_commands(bot: BotRec, user: UserRec, chat_id: int) -> list[dict[str, str]]:
    """Commands a user's client shows in a chat (Telegram's scope/language fallback order)."""
    chat = bot.chats.get(chat_id)
    if chat is None or chat.type == "private":
        scopes = [f"chat:{chat_id}", "all_private_chats", "default"]
    else:
        scopes = [f"chat_member:{chat_id}:{user.id}", f"chat:{chat_id}", "all_group_chats"]
        scopes.append("default")
    lang = (user.language_code or "").lower().split("-")[0]
    for scope in scopes:
        for code in (lang, ""):
            found = bot.commands.get((scope, code))
            if found:
                return found
    return []


@api_method("setChatMenuButton")
async def set_chat_menu_button(ctx: Ctx) -> Any:
    """setChatMenuButton (stored; chat_id 0 = default)."""
    chat_id = ctx.chat(writable=False).id if ctx.params.has("chat_id") else 0
    button = ctx.params.get_json("menu_button")
    if button is not None and (not isinstance(button, dict) or "type" not in button):
        raise bad_request("can't parse menu button JSON object")
    ctx.bot.menu_buttons[chat_id] = button or {"type": "default"}
    return True


@api_method("getChatMenuButton")
async def get_chat_menu_button(ctx: Ctx) -> Any:
    """getChatMenuButton."""
    chat_id = ctx.chat(writable=False).id if ctx.params.has("chat_id") else 0
    return ctx.bot.menu_buttons.get(chat_id) or ctx.bot.menu_buttons.get(0) or {"type": "default"}


@api_method("getFile")
async def get_file(ctx: Ctx) -> Any:
    """getFile."""
    rec = ctx.bot.files.get(ctx.params.get_str("file_id") or "")
    if rec is None:
        raise bad_request("invalid file_id")
    return rec.file_object()


@api_method("getChat")
async def get_chat(ctx: Ctx) -> Any:
    """getChat (a minimal ChatFullInfo)."""
    chat = ctx.chat(writable=False)
    info = chat.to_api()
    info.update(
        {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
    )
    return info


@api_method("getChatMember")
async def get_chat_member(ctx: Ctx) -> Any:
    """getChatMember (member/left; the bot is administrator of its channels)."""
    chat = ctx.chat(writable=False)
    user_id = ctx.params.get_int("user_id", required=True)
    if user_id == ctx.bot.id:
        if chat.type == "channel":
            return {"status": "administrator", "user": ctx.bot.user.to_api(), **ADMIN_RIGHTS}
        return {"status": "member", "user": ctx.bot.user.to_api()}
    user = ctx.state.users.get(user_id or 0)
    if user is None:
        raise bad_request("user not found")
    status = "member" if user_id in chat.members else "left"
    if chat.type == "private" and user_id in ctx.bot.blocked:
        status = "kicked"
    member: dict[str, Any] = {"status": status, "user": user.to_api()}
    if status == "kicked":
        member["until_date"] = 0
    return member


def _text_methods(kind: str, field: str) -> None:
    async def setter(ctx: Ctx) -> Any:
        value = ctx.params.get_str(field) or ""
        limit = {"name": 64, "description": 512, "short_description": 120}[kind]
        if len(value) > limit:
            raise bad_request(f"bot {kind.replace('_', ' ')} is too long")
        ctx.bot.texts[(kind, _lang(ctx))] = value
        return True

    async def getter(ctx: Ctx) -> Any:
        return {field: ctx.bot.texts.get((kind, _lang(ctx)), "")}

    camel = "".join(part.capitalize() for part in kind.split("_"))
    api_method(f"setMy{camel}")(setter)
    api_method(f"getMy{camel}")(getter)


_text_methods("name", "name")
_text_methods("description", "description")
_text_methods("short_description", "short_description")


@api_method("logOut")
async def log_out(ctx: Ctx) -> Any:
    """logOut (accepted, no effect)."""
    return True


@api_method("close")
async def close(ctx: Ctx) -> Any:
    """close (accepted, no effect)."""
    return True
