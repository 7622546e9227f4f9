"""The architecture, enforced: neutral rules, commands in one place, packages naming theirs."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.app import CAPABILITIES, EARLY_CAPABILITIES, build_application
from bot.core.config import Settings
from bot.runtime.menus import RESIDENT_COMMANDS, ROLE_COMMANDS
from handlers import chat

ROOT = Path(__file__).resolve().parents[2]

# "Rules and services": every module of these folders. `bot/runtime/` (PTB plumbing),
# `bot/demo/`, `bot/emulator/`, `bot/app.py` and `bot/cli.py` may speak Telegram.
NEUTRAL_PACKAGES = (
    "core",
    "calendar",
    "complaints",
    "meetings",
    "assignments",
    "broadcasts",
    "bulletins",
    "district",
    "reception",
    "patrols",
    "supervision",
    "people",
    "escalation",
    "emergency",
    "nearby",
    "proxy",
    "mediation",
    "dashboard",
)

# Imports every neutral module in a fresh interpreter where `telegram` cannot be imported, and
# prints, for each module that still reaches it (directly or through what it imports), the
# chain of our files that led there.
BLOCKED_IMPORT = """
import sys, traceback
sys.modules["telegram"] = None  # any `import telegram…` now raises ImportError
for name in sys.argv[1:]:
    try:
        __import__(name)
    except ImportError as exc:
        chain = [f.filename for f in traceback.extract_tb(exc.__traceback__)]
        print(name, "<-", " -> ".join(p for p in chain if "/bot/" in p or "/storage/" in p))
"""

# Commands registered but in no menu, each with why it is hidden.
HIDDEN_COMMANDS = {
    "start": "Telegram sends it when a person first opens the chat (and deep links); "
    "a menu entry would only repeat the Start button",
    "district": "district admins are named in the towns file, not a role the menus know "
    "(README's District section names the command); anyone else is refused",
}

PACKAGES = (*EARLY_CAPABILITIES, *CAPABILITIES)  # every handlers package, as the app wires them


def neutral_modules() -> list[Path]:
    """Every Python file of the channel-neutral packages."""
    return sorted(path for name in NEUTRAL_PACKAGES for path in (ROOT / "bot" / name).rglob("*.py"))


def imports_telegram(path: Path) -> bool:
    """Whether a module imports `telegram` (or anything under it), anywhere in its body."""
    return any(name.split(".")[0] == "telegram" for name in imported_modules(path))


def imported_modules(path: Path) -> set[str]:
    """The absolute module names a file imports, anywhere in its body."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def commands_of(handlers: Iterable[BaseHandler], *, top: bool = True) -> Iterator[tuple[bool, str]]:
    """(answered outside a conversation?, command) for every CommandHandler, nested ones too."""
    for handler in handlers:
        if isinstance(handler, CommandHandler):
            yield from ((top, command) for command in handler.commands)
        elif isinstance(handler, ConversationHandler):
            yield from commands_of(handler.entry_points, top=top)
            for state in handler.states.values():
                yield from commands_of(state, top=False)
            yield from commands_of(handler.fallbacks, top=False)


def package_handlers(package: ModuleType) -> list[BaseHandler]:
    """All the handlers a package gives the app (chat's guard and last resort too)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        found = list(package.handlers())
        if package is chat:
            found += chat.guard_handlers() + chat.last_resort()
    return found


def test_the_rules_and_services_speak_no_telegram() -> None:
    speaking = {str(path.relative_to(ROOT)) for path in neutral_modules() if imports_telegram(path)}
    assert neutral_modules(), "no neutral module found: the tree moved?"
    assert speaking == set(), "rules and services import telegram"


def module_name(path: Path) -> str:
    """`bot/meetings/service.py` → `bot.meetings.service` (a package by its own name)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def reaching_telegram(names: list[str]) -> list[str]:
    """The modules that cannot be imported without `telegram`, each with how it got there."""
    run = subprocess.run(
        [sys.executable, "-c", BLOCKED_IMPORT, *names],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return run.stdout.splitlines()


def test_the_rules_and_services_reach_no_telegram_through_what_they_import() -> None:
    # Not even through a shared module (bot.runtime.services, bot.runtime.jobs, …).
    assert reaching_telegram([module_name(path) for path in neutral_modules()]) == []


def test_a_module_reaching_telegram_indirectly_is_caught() -> None:
    # bot.app wires PTB; bot.runtime.context is PTB's CallbackContext.
    found = reaching_telegram(["bot.app", "bot.runtime.context", "bot.core.clock"])
    assert [line.split(" ")[0] for line in found] == ["bot.app", "bot.runtime.context"]


def test_a_module_importing_telegram_is_caught(tmp_path: Path) -> None:
    for source in ("import telegram\n", "def f():\n    from telegram.ext import Application\n"):
        (tmp_path / "m.py").write_text(source, encoding="utf-8")
        assert imports_telegram(tmp_path / "m.py")
    (tmp_path / "m.py").write_text("from bot.core import telegram_text\n", encoding="utf-8")
    assert not imports_telegram(tmp_path / "m.py")


def test_the_product_does_not_depend_on_the_test_emulator() -> None:
    # Only the commands that start the emulator may import it: `minhu emulator` and `minhu demo`.
    starters = {ROOT / "bot" / "cli.py", *(ROOT / "bot" / "demo").rglob("*.py")}
    code = [
        path
        for folder in ("bot", "handlers", "storage")
        for path in (ROOT / folder).rglob("*.py")
        if path not in starters and "emulator" not in path.relative_to(ROOT).parts
    ]
    leaning = {
        str(path.relative_to(ROOT))
        for path in code
        if any(name.startswith("bot.emulator") for name in imported_modules(path))
    }
    assert leaning == set()


@pytest.fixture
def registered(tmp_path: Path) -> set[str]:
    """Every command a CommandHandler answers in the application as built."""
    settings = Settings(
        token="123:architecture",
        api_url="http://offline.invalid/bot",
        database=str(tmp_path / "town.db"),
    )
    app = build_application(settings)
    handlers = [handler for group in app.handlers.values() for handler in group]
    return {command for _top, command in commands_of(handlers)}


def test_every_menu_command_is_answered(registered: set[str]) -> None:
    menus = set(RESIDENT_COMMANDS).union(*ROLE_COMMANDS.values())
    assert menus - registered == set()


def test_every_command_is_in_a_menu_or_hidden_on_purpose(registered: set[str]) -> None:
    menus = set(RESIDENT_COMMANDS).union(*ROLE_COMMANDS.values())
    assert registered - menus - set(HIDDEN_COMMANDS) == set()
    assert set(HIDDEN_COMMANDS) <= registered, "a hidden command no longer exists"
    assert not set(HIDDEN_COMMANDS) & menus, "a hidden command is in a menu"


@pytest.mark.parametrize("package", PACKAGES, ids=lambda package: package.__name__)
def test_each_handlers_package_says_which_commands_it_answers(package: ModuleType) -> None:
    assert callable(getattr(package, "handlers", None))
    assert isinstance(getattr(package, "COMMANDS", None), tuple)
    found = list(commands_of(package_handlers(package)))
    # A package's commands are those it answers outside a conversation; inside one, only its
    # own commands or the chat's (/cancel, the conversation kit's fallback) may appear.
    assert sorted(package.COMMANDS) == sorted({command for top, command in found if top})
    inner = {command for top, command in found if not top}
    assert inner <= set(package.COMMANDS) | set(chat.COMMANDS)


def test_every_handlers_package_is_wired() -> None:
    folders = {
        path.parent.name
        for path in (ROOT / "handlers").glob("*/__init__.py")
        if path.parent.name != "kit"
    }
    assert folders == {package.__name__.rsplit(".", 1)[1] for package in PACKAGES}
    commands = [command for package in PACKAGES for command in package.COMMANDS]
    assert len(commands) == len(set(commands)), "a command claimed by two packages"
