// Chat page of the Telegram emulator: plain JS on top of the client API (/api/...).
"use strict";

const $ = (id) => document.getElementById(id);
const S = {
  bot: null, // selected bot id
  bots: [],
  users: [],
  user: Number(localStorage.getItem("emu.user")) || null,
  chat: null, // selected chat id
  chats: [], // chats of the current user
  seq: 0,
  store: new Map(), // "bot:chat" -> Map(message_id -> message)
  keyboards: new Map(), // "bot:chat" -> reply keyboard or null
};
const PRESET_LOCATION = { latitude: 30.7, longitude: 119.95 };

async function api(method, path, body) {
  const sep = path.includes("?") ? "&" : "?";
  const url = S.bot && !path.includes("bot=") ? `${path}${sep}bot=${S.bot}` : path;
  const init = { method, headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const resp = await fetch(url, init);
  const data = await resp.json().catch(() => ({ ok: false, error: resp.statusText }));
  if (!data.ok) throw new Error(data.error || `HTTP ${resp.status}`);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "html") node.innerHTML = v; // only server-sanitised HTML
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) node.setAttribute(k, v);
  }
  for (const c of children) if (c) node.append(c);
  return node;
}

function toast(text, alert = false) {
  const t = $("toast");
  t.textContent = text;
  t.className = alert ? "toast alert" : "toast";
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.add("hidden"), alert ? 4000 : 2000);
}

const key = (bot, chat) => `${bot}:${chat}`;
const fullName = (u) => (u ? [u.first_name || u.title, u.last_name].filter(Boolean).join(" ") : "");

// ---- data loading -----------------------------------------------------------------------
async function loadBots() {
  const data = await api("GET", "/api/bots?bot=");
  S.bots = data.bots;
  if (!S.bot || !S.bots.some((b) => b.id === S.bot)) S.bot = data.default;
  const sel = $("bot-select");
  sel.replaceChildren(...S.bots.map((b) => el("option", { value: b.id, text: `@${b.username}` })));
  if (S.bot) sel.value = String(S.bot);
  sel.classList.toggle("hidden", S.bots.length < 2);
  if (!S.bot) setTimeout(loadBots, 2000);
}

async function loadUsers() {
  S.users = (await api("GET", "/api/users")).users;
  if (!S.users.some((u) => u.id === S.user)) S.user = S.users.length ? S.users[0].id : null;
  renderUserTabs();
  await loadChats();
}

async function loadChats() {
  S.chats = [];
  if (S.user && S.bot) S.chats = (await api("GET", `/api/chats?user_id=${S.user}`)).chats;
  if (S.user && !S.chats.some((c) => c.id === S.user)) {
    S.chats.unshift({ id: S.user, type: "private", title: "Bot" });
  }
  if (!S.chats.some((c) => c.id === S.chat)) S.chat = S.user;
  renderChatTabs();
  renderChat();
}

function storeMessage(botId, chatId, msg, keyboard) {
  const k = key(botId, chatId);
  if (!S.store.has(k)) S.store.set(k, new Map());
  S.store.get(k).set(msg.message_id, msg);
  if (keyboard !== undefined) S.keyboards.set(k, keyboard);
}

async function pollEvents() {
  for (;;) {
    try {
      const timeout = S.seq === 0 ? 0 : 25;
      const data = await api("GET", `/api/events?after_seq=${S.seq}&timeout=${timeout}&bot=`);
      let touched = false;
      let unknownChat = false;
      for (const ev of data.events) {
        storeMessage(ev.bot_id, ev.chat_id, ev.message, ev.reply_keyboard);
        if (ev.bot_id === S.bot && ev.chat_id === S.chat) touched = true;
        if (!S.chats.some((c) => c.id === ev.chat_id) && ev.chat_type !== "private") unknownChat = true;
        if (!S.bots.some((b) => b.id === ev.bot_id)) await loadBots();
      }
      S.seq = data.seq;
      if (unknownChat) await loadChats();
      else if (touched) renderChat();
    } catch (err) {
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

// ---- rendering ----------------------------------------------------------------------------
function renderUserTabs() {
  $("user-tabs").replaceChildren(
    ...S.users.map((u) =>
      el("button", {
        type: "button",
        "data-testid": "user-tab",
        "data-user-id": u.id,
        class: u.id === S.user ? "active" : "",
        text: `${fullName(u)} · ${u.language_code || "?"}`,
        onclick: () => selectUser(u.id),
      }),
    ),
  );
}

function renderChatTabs() {
  const icon = { private: "🤖", group: "👥", supergroup: "👥", channel: "📢" };
  $("chat-tabs").replaceChildren(
    ...S.chats.map((c) =>
      el("button", {
        type: "button",
        "data-testid": "chat-tab",
        "data-chat-id": c.id,
        class: c.id === S.chat ? "active" : "",
        text: `${icon[c.type] || ""} ${c.type === "private" ? "Bot" : c.title}`,
        onclick: () => selectChat(c.id),
      }),
    ),
  );
}

function renderKeyboard(rows, onPress, testid) {
  return rows.map((row) =>
    el("div", { class: "kb-row" }, ...row.map((b) => {
      const btn = typeof b === "string" ? { text: b } : b;
      return el("button", { type: "button", "data-testid": testid, text: btn.text, onclick: () => onPress(btn) });
    })),
  );
}

function renderMessage(m, chat) {
  const node = el("div", {
    class: `msg ${m.from_bot ? "bot" : "user"}${m.deleted ? " deleted" : ""}${m.edited ? " edited" : ""}`,
    "data-testid": "message",
    "data-from": m.from_bot ? "bot" : "user",
    "data-message-id": m.message_id,
  });
  if (chat && chat.type !== "private") node.append(el("div", { class: "sender", text: fullName(m.from) }));
  if (m.photo) node.append(el("img", { class: "photo", src: m.photo[m.photo.length - 1].url, alt: "photo" }));
  if (m.document) {
    node.append(el("div", {}, "📄 ", el("a", { href: m.document.url, target: "_blank", text: m.document.file_name || "file" })));
  }
  if (m.location) node.append(el("div", { text: `📍 ${m.location.latitude}, ${m.location.longitude}` }));
  if (m.contact) node.append(el("div", { text: `👤 ${m.contact.first_name} ${m.contact.phone_number}` }));
  if (m.sticker) node.append(el("div", { class: "sticker", text: m.sticker.emoji || "🖼" }));
  if (m.voice) node.append(el("div", { text: `🎤 voice ${m.voice.duration}s` }));
  const html = m.html !== undefined ? m.html : m.html_caption;
  if (html) node.append(el("div", { class: "text", html }));
  const meta = [m.deleted ? "deleted" : "", m.edited ? "edited" : "", new Date(m.date * 1000).toLocaleTimeString()];
  node.append(el("div", { class: "meta", text: meta.filter(Boolean).join(" · ") }));
  const kb = m.reply_markup && m.reply_markup.inline_keyboard;
  if (kb && kb.length && !m.deleted) {
    node.append(el("div", { class: "inline-kb" }, ...renderKeyboard(kb, (b) => pressInline(m, b), "inline-button")));
  }
  node.querySelectorAll(".tg-spoiler").forEach((s) => s.addEventListener("click", () => s.classList.add("shown")));
  return node;
}

function renderChat() {
  const box = $("messages");
  const chat = S.chats.find((c) => c.id === S.chat);
  const msgs = [...(S.store.get(key(S.bot, S.chat)) || new Map()).values()].sort((a, b) => a.message_id - b.message_id);
  const atBottom = $("chat").scrollHeight - $("chat").scrollTop - $("chat").clientHeight < 60;
  box.replaceChildren(...msgs.map((m) => renderMessage(m, chat)));
  $("empty").classList.toggle("hidden", msgs.length > 0);
  const follow = atBottom || renderChat.lastCount !== msgs.length;
  renderChat.lastCount = msgs.length;
  const keyboard = S.keyboards.get(key(S.bot, S.chat));
  const rk = $("reply-keyboard");
  rk.replaceChildren(...(keyboard && keyboard.keyboard ? renderKeyboard(keyboard.keyboard, pressReply, "reply-button") : []));
  rk.classList.toggle("hidden", !(keyboard && keyboard.keyboard));
  const readOnly = chat && chat.type === "channel";
  for (const id of ["composer-input", "composer-send", "photo-input", "send-location"]) $(id).disabled = !S.user || readOnly;
  $("composer-input").placeholder = readOnly ? "Channel (read only)" : keyboard && keyboard.input_field_placeholder ? keyboard.input_field_placeholder : "Message";
  // Scroll last: the reply keyboard above shrinks the chat, and a photo grows it once loaded.
  if (follow) {
    const bottom = () => { $("chat").scrollTop = $("chat").scrollHeight; };
    bottom();
    box.querySelectorAll("img").forEach((img) => { if (!img.complete) img.addEventListener("load", bottom, { once: true }); });
  }
}

// ---- actions ------------------------------------------------------------------------------
function selectUser(uid) {
  S.user = uid;
  localStorage.setItem("emu.user", String(uid));
  S.chat = uid;
  $("commands").classList.add("hidden");
  S.chats = S.chats.filter((c) => c.type !== "private" || c.id === uid);
  renderUserTabs();
  renderChat();
  loadChats().catch((e) => toast(e.message));
}

function selectChat(chatId) {
  S.chat = chatId;
  renderChatTabs();
  renderChat();
}

function target() {
  return S.chat && S.chat !== S.user ? `&chat_id=${S.chat}` : "";
}

async function act(fn) {
  try {
    await fn();
  } catch (err) {
    toast(err.message, true);
  }
}

function sendText(text) {
  return act(() => api("POST", `/api/users/${S.user}/messages?x=1${target()}`, { text }));
}

function locationFromInput() {
  const m = $("composer-input").value.match(/^\s*(-?\d+(?:\.\d+)?)\s*[,，]\s*(-?\d+(?:\.\d+)?)\s*$/);
  if (!m) return PRESET_LOCATION;
  $("composer-input").value = "";
  return { latitude: Number(m[1]), longitude: Number(m[2]) };
}

function sendLocation() {
  return act(() => api("POST", `/api/users/${S.user}/location?x=1${target()}`, locationFromInput()));
}

function sendContact() {
  const user = S.users.find((u) => u.id === S.user) || {};
  const phone = `+86 138 ${String(S.user).padStart(8, "0").slice(-8)}`;
  return act(() => api("POST", `/api/users/${S.user}/contact?x=1${target()}`, { phone_number: phone, first_name: user.first_name }));
}

function pressReply(btn) {
  if (btn.request_location) return sendLocation();
  if (btn.request_contact) return sendContact();
  return sendText(btn.text);
}

// A t.me link to the selected bot opens its private chat, as in Telegram (?start=X sends /start X).
function openBotLink(url) {
  const bot = S.bots.find((b) => b.id === S.bot);
  const m = bot && url.match(/^https:\/\/t\.me\/([A-Za-z0-9_]+)\/?(?:\?start=([A-Za-z0-9_-]{1,64}))?$/);
  if (!m || m[1].toLowerCase() !== bot.username.toLowerCase()) return false;
  selectChat(S.user);
  if (m[2]) sendText(`/start ${m[2]}`);
  return true;
}

async function pressInline(msg, btn) {
  if (btn.url) return openBotLink(btn.url) || window.open(btn.url, "_blank");
  if (btn.callback_data === undefined) return toast("This button type is not emulated");
  await act(async () => {
    const body = { message_id: msg.message_id, data: btn.callback_data, chat_id: S.chat };
    const { callback_query_id: id } = await api("POST", `/api/users/${S.user}/callback`, body);
    const { callback } = await api("GET", `/api/callbacks/${id}?wait=10`);
    if (!callback.answered) toast("The bot did not answer the callback query", true);
    else if (callback.text) toast(callback.text, callback.show_alert);
  });
}

async function toggleCommands() {
  const box = $("commands");
  if (!box.classList.contains("hidden")) return box.classList.add("hidden");
  await act(async () => {
    const { commands } = await api("GET", `/api/users/${S.user}/commands?chat_id=${S.chat}`);
    box.replaceChildren(
      ...(commands.length ? commands : [{ command: "start", description: "(no commands set)" }]).map((c) =>
        el("button", { type: "button", "data-testid": "command", onclick: () => { box.classList.add("hidden"); sendText(`/${c.command}`); } },
          el("b", { text: `/${c.command}` }), c.description),
      ),
    );
    box.classList.remove("hidden");
  });
}

$("composer").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const input = $("composer-input");
  const text = input.value;
  if (!text.trim() || !S.user) return;
  input.value = "";
  sendText(text);
});
$("photo-input").addEventListener("change", () => {
  const file = $("photo-input").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("photo", file);
  const caption = $("composer-input").value;
  if (caption.trim()) form.append("caption", caption);
  $("composer-input").value = "";
  $("photo-input").value = "";
  act(() => api("POST", `/api/users/${S.user}/photos?x=1${target()}`, form));
});
$("send-location").addEventListener("click", sendLocation);
$("commands-button").addEventListener("click", toggleCommands);
$("toggle-new-user").addEventListener("click", () => {
  $("new-user").classList.toggle("closed");
  $("new-user-name").focus();
});
$("new-user").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(async () => {
    const body = { first_name: $("new-user-name").value.trim(), language_code: $("new-user-lang").value };
    const { user } = await api("POST", "/api/users", body);
    $("new-user-name").value = "";
    $("new-user").classList.add("closed");
    S.user = user.id;
    await loadUsers();
    selectUser(user.id);
  });
});
$("bot-select").addEventListener("change", (ev) => {
  S.bot = Number(ev.target.value);
  loadChats().catch((e) => toast(e.message));
});

async function showScreenLink() {
  // The command centre's screen, when the demo runs one (staff log in with /dashboard).
  const found = await fetch("/api/config").then((r) => r.json());
  const url = found.config && found.config.screen_url;
  if (url) {
    $("screen-link").href = url;
    $("screen-link").title = "/dashboard → " + url;
    $("screen-link").hidden = false;
  }
}

(async function init() {
  showScreenLink().catch(() => {});
  await loadBots().catch(() => {});
  await loadUsers().catch((e) => toast(e.message));
  if (!S.users.length) $("new-user").classList.remove("closed");
  pollEvents();
})();
