// The command centre's screen: loads the state, draws the map, the board and the figures,
// and applies the live feed (server-sent events) without reloading. Read-only.
(function () {
  "use strict";
  // A case's fields, in the order the server sends them (bot/dashboard/board.py case_row).
  var ID = 0, NUMBER = 1, STATUS = 2, ACCEPTED = 3, DUE = 4, GRID = 5, ZONE = 6,
      CATEGORY = 7, DEPARTMENT = 8, LAT = 9, LNG = 10, REJECT = 11, EXTEND = 12,
      REPORTED = 13, CREATED = 14;
  var SHOWN = 200;  // cards drawn on the board (the counts cover every case)

  var WORDS = {
    "zh-CN": {
      title: "民呼 · 综合指挥", map: "网格地图", board: "在办诉求", figures: "数据", logout: "退出",
      town: "全镇", kiosk: "大屏", allZones: "全部片区", allCategories: "全部类别",
      allDepartments: "全部部门", allAssignees: "全部承办人", open: "在办", overdue: "已超期",
      soon: "即将到期", reported: "已通报", newToday: "今日新增", acceptedToday: "今日签收",
      closedToday: "今日办结", asksReject: "待审退回", asksExtend: "待审延期",
      shown: "显示 {n} / {total} 件", due: "期限", noDue: "无期限", grid: "网格",
      legend: "颜色：在办件数与超期占比；红点：已超期的定位诉求",
      submitted: "待签收", accepted: "办理中", transferred: "已转办", reopened: "重办",
      escalated: "已升级", resolved: "已办结", closed: "已关闭", rejected: "已退回",
      history: "处理记录", close: "关闭", description: "描述", address: "地址",
      week: "本周", month: "本月", thisYear: "今年", yearAgo: "去年同期", filed: "受理",
      closedN: "办结", hazards: "隐患", rankGrids: "网格排名（本月）", rankWorkers: "网格员排名（本月）",
      rankDepartments: "部门排名（本月）", meetings: "近期议事会", volunteers: "志愿活动 / 参与人次（本月）",
      mediations: "调解受理 / 达成协议（本月）", none: "暂无", live: "实时", offline: "已断开",
      clearGrid: "✕"
    },
    en: {
      title: "Minhu · Command centre", map: "Grid map", board: "Open cases", figures: "Figures",
      logout: "Log out", town: "Whole town", kiosk: "Wall screen", allZones: "All zones",
      allCategories: "All categories", allDepartments: "All departments",
      allAssignees: "All assignees", open: "Open", overdue: "Overdue", soon: "Due soon",
      reported: "Reported (通报)", newToday: "New today", acceptedToday: "Accepted today",
      closedToday: "Closed today", asksReject: "退回 waiting", asksExtend: "延期 waiting",
      shown: "showing {n} of {total}", due: "due", noDue: "no deadline", grid: "Grid",
      legend: "Colour: open cases and overdue share; red dots: located overdue cases",
      submitted: "to accept", accepted: "in hand", transferred: "transferred",
      reopened: "redo", escalated: "escalated", resolved: "resolved", closed: "closed",
      rejected: "rejected", history: "History", close: "Close", description: "Description",
      address: "Address", week: "This week", month: "This month", thisYear: "This year",
      yearAgo: "A year earlier", filed: "Filed", closedN: "Closed", hazards: "Hazards",
      rankGrids: "Grids (this month)", rankWorkers: "Grid workers (this month)",
      rankDepartments: "Departments (this month)", meetings: "Coming meetings",
      volunteers: "Volunteer activities / attendances (this month)",
      mediations: "Mediations opened / agreed (this month)", none: "none", live: "live",
      offline: "disconnected", clearGrid: "✕"
    }
  };

  var state = null, cases = {}, lang = "zh-CN", offset = 0, chosenGrid = 0, figures = null;
  var names = { grid: {}, gridZone: {}, zone: {}, category: {}, department: {} };
  var queued = [], figuresDue = 0;  // the figures follow changes, a minute behind at most

  function w(key) {
    var words = WORDS[lang] || WORDS["zh-CN"];
    return words[key] || WORDS.en[key] || key;
  }
  function $(id) { return document.getElementById(id); }
  function now() { return Date.now() + offset; }
  function text(tag, value, cls) {
    var n = document.createElement(tag);
    if (value !== undefined) n.textContent = value;
    if (cls) n.className = cls;
    return n;
  }
  function local(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.toLocaleString(lang === "en" ? "en-GB" : "zh-CN",
      { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
        timeZone: "Asia/Shanghai" });
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { document.body.textContent = ""; location.reload(); }
      if (!r.ok) throw new Error(url + " " + r.status);
      return r.json();
    });
  }

  function categoryName(id) {
    var c = names.category[id];
    return c ? (lang === "en" ? c[2] || c[1] : c[1]) : "";
  }
  function departmentName(id) {
    var d = names.department[id];
    return d ? (lang === "en" ? d[2] || d[1] : d[1]) : "";
  }
  function holdersOf(c) {
    var h = c[DEPARTMENT] ? state.holders.d[c[DEPARTMENT]] : state.holders.g[c[GRID]];
    return h || [];
  }
  function dueMs(c) { return c[DUE] ? Date.parse(c[DUE]) : Infinity; }
  function ladder(c, t) {
    var due = dueMs(c);
    if (due < t) return "overdue";
    if (due < t + state.remind_hours * 3600e3) return "soon";
    return "";
  }

  function filtered() {
    var zone = +$("f-zone").value, cat = +$("f-category").value,
        dept = +$("f-department").value, who = +$("f-assignee").value;
    return Object.keys(cases).map(function (k) { return cases[k]; }).filter(function (c) {
      if (zone && c[ZONE] !== zone) return false;
      if (cat && c[CATEGORY] !== cat) return false;
      if (dept && c[DEPARTMENT] !== dept) return false;
      if (chosenGrid && c[GRID] !== chosenGrid) return false;
      if (who && !holdersOf(c).some(function (h) { return h[0] === who; })) return false;
      return true;
    });
  }

  function option(select, value, label) {
    var o = text("option", label);
    o.value = value;
    select.appendChild(o);
  }
  function fillFilters() {
    var keep = {};
    ["f-zone", "f-category", "f-department", "f-assignee"].forEach(function (id) {
      keep[id] = $(id).value; $(id).textContent = "";
    });
    option($("f-zone"), 0, w("allZones"));
    state.zones.forEach(function (z) { option($("f-zone"), z[0], z[1]); });
    option($("f-category"), 0, w("allCategories"));
    state.categories.forEach(function (c) { option($("f-category"), c[0], categoryName(c[0])); });
    option($("f-department"), 0, w("allDepartments"));
    state.departments.forEach(function (d) { option($("f-department"), d[0], departmentName(d[0])); });
    option($("f-assignee"), 0, w("allAssignees"));
    var seen = {};
    [state.holders.g, state.holders.d].forEach(function (group) {
      Object.keys(group).forEach(function (k) {
        group[k].forEach(function (h) {
          if (!seen[h[0]]) { seen[h[0]] = 1; option($("f-assignee"), h[0], h[1]); }
        });
      });
    });
    Object.keys(keep).forEach(function (id) { if (keep[id]) $(id).value = keep[id]; });
  }

  function counter(label, value, cls, testid) {
    var box = text("div", undefined, "counter " + (cls || ""));
    box.setAttribute("data-testid", testid);
    box.appendChild(text("b", String(value)));
    box.appendChild(text("span", label));
    return box;
  }

  function render() {
    if (!state) return;
    var t = now(), list = filtered();
    list.sort(function (a, b) {
      var da = dueMs(a), db = dueMs(b);
      return da === db ? a[ID] - b[ID] : da - db;  // overdue first: the earliest deadlines
    });
    var all = Object.keys(cases).map(function (k) { return cases[k]; });
    var n = { overdue: 0, soon: 0, reported: 0, reject: 0, extend: 0 };
    all.forEach(function (c) {
      var l = ladder(c, t);
      if (l) n[l] += 1;
      if (c[REPORTED]) n.reported += 1;
      if (c[REJECT]) n.reject += 1;
      if (c[EXTEND]) n.extend += 1;
    });
    var box = $("counters");
    box.textContent = "";
    box.appendChild(counter(w("open"), all.length, "", "count-open"));
    box.appendChild(counter(w("overdue"), n.overdue, "red", "count-overdue"));
    box.appendChild(counter(w("soon"), n.soon, "amber", "count-soon"));
    box.appendChild(counter(w("reported"), n.reported, "red", "count-reported"));
    box.appendChild(counter(w("newToday"), state.today.new, "", "count-new"));
    box.appendChild(counter(w("acceptedToday"), state.today.accepted, "", "count-accepted"));
    box.appendChild(counter(w("closedToday"), state.today.closed, "", "count-closed"));
    box.appendChild(counter(w("asksReject"), n.reject, "amber", "count-reject"));
    box.appendChild(counter(w("asksExtend"), n.extend, "amber", "count-extend"));

    var board = $("board");
    board.textContent = "";
    list.slice(0, SHOWN).forEach(function (c) {
      var li = text("li", undefined, ladder(c, t));
      li.setAttribute("data-testid", "case");
      li.setAttribute("data-number", c[NUMBER]);
      var head = text("div");
      head.appendChild(text("b", c[NUMBER]));
      head.appendChild(text("span", w(c[STATUS]), "tag"));
      if (ladder(c, t) === "overdue") head.appendChild(text("span", w("overdue"), "tag red"));
      if (c[REPORTED]) head.appendChild(text("span", w("reported"), "tag red"));
      if (c[REJECT]) head.appendChild(text("span", w("asksReject"), "tag amber"));
      if (c[EXTEND]) head.appendChild(text("span", w("asksExtend"), "tag amber"));
      li.appendChild(head);
      var who = holdersOf(c).map(function (h) { return h[1]; }).join("、");
      li.appendChild(text("div", [categoryName(c[CATEGORY]), names.grid[c[GRID]] || "",
        c[DEPARTMENT] ? departmentName(c[DEPARTMENT]) : "", who,
        c[DUE] ? w("due") + " " + local(c[DUE]) : w("noDue")].filter(Boolean).join(" · "),
        "meta"));
      li.addEventListener("click", function () { openCard(c[ID]); });
      board.appendChild(li);
    });
    $("shown").textContent = w("shown").replace("{n}", Math.min(SHOWN, list.length))
      .replace("{total}", list.length);
    var chip = $("f-grid");
    chip.textContent = "";
    if (chosenGrid) {
      chip.appendChild(text("span", w("grid") + ": " + (names.grid[chosenGrid] || "") + " "));
      var x = text("button", w("clearGrid"));
      x.type = "button";
      x.addEventListener("click", function () { chosenGrid = 0; render(); });
      chip.appendChild(x);
    }
    drawMap(t);
  }

  function drawMap(t) {
    var perGrid = {}, points = [];
    Object.keys(cases).forEach(function (k) {
      var c = cases[k], g = perGrid[c[GRID]] || (perGrid[c[GRID]] = [0, 0]);
      var late = ladder(c, t) === "overdue";
      g[0] += 1;
      if (late) g[1] += 1;
      if (c[LAT] !== null && c[LNG] !== null) points.push([c[LAT], c[LNG], late, c[NUMBER]]);
    });
    window.MinhuMap.draw($("map"), state.map, names.grid, perGrid, points, chosenGrid,
      function (id) { chosenGrid = chosenGrid === id ? 0 : id; render(); });
    $("legend").textContent = w("legend");
  }

  function openCard(id) {
    get("/api/case/" + id).then(function (c) {
      var box = $("card");
      box.textContent = "";
      var close = text("button", w("close"));
      close.type = "button";
      close.addEventListener("click", function () { box.hidden = true; });
      box.appendChild(close);
      box.appendChild(text("h3", c.number + " · " + w(c.status)));
      box.appendChild(text("div", [categoryName(c.category), names.grid[c.grid] || "",
        c.department ? departmentName(c.department) : "", local(c.created_at)]
        .filter(Boolean).join(" · "), "note"));
      box.appendChild(text("p", w("description") + ": " + c.description));
      if (c.address) box.appendChild(text("p", w("address") + ": " + c.address));
      box.appendChild(text("h4", w("history")));
      var ol = text("ol");
      c.history.forEach(function (h) {
        var li = text("li", local(h[0]) + " " + ((WORDS[lang] || {})[h[1]] || h[1]));
        if (h[2]) li.appendChild(text("div", h[2], "note"));
        ol.appendChild(li);
      });
      box.appendChild(ol);
      box.hidden = false;
    });
  }

  function table(rows) {
    if (!rows.length) return text("p", w("none"), "note");
    var tb = text("table");
    rows.forEach(function (r) {
      var tr = text("tr");
      r.forEach(function (v) { tr.appendChild(text("td", v === null ? "" : String(v))); });
      tb.appendChild(tr);
    });
    return tb;
  }

  function drawFigures() {
    if (!figures) return;
    var body = $("figures-body");
    body.textContent = "";
    ["week", "month"].forEach(function (k) {
      var p = figures.periods[k], box = text("div");
      box.appendChild(text("h3", w(k)));
      box.appendChild(window.MinhuCharts.bars([
        { label: w("filed"), values: [p.now[0], p.year_ago[0]] },
        { label: w("closedN"), values: [p.now[1], p.year_ago[1]] },
        { label: w("hazards"), values: [p.now[2], p.year_ago[2]] }
      ], [w("thisYear"), w("yearAgo")]));
      box.setAttribute("data-testid", "chart-" + k);
      body.appendChild(box);
    });
    [["rankGrids", "grids"], ["rankWorkers", "workers"], ["rankDepartments", "departments"]]
      .forEach(function (pair) {
        var rows = figures.rankings[pair[1]];
        if (pair[1] === "departments" && !rows.length) return;
        var box = text("div");
        box.appendChild(text("h3", w(pair[0])));
        box.appendChild(table(rows.map(function (r) { return [r[0] + (r[4] ? "=" : ""), r[1], r[2], r[3]]; })));
        body.appendChild(box);
      });
    var box = text("div");
    box.appendChild(text("h3", w("meetings")));
    box.appendChild(table(figures.meetings.map(function (m) { return [local(m[2]), m[1], m[3]]; })));
    box.appendChild(text("h3", w("volunteers")));
    box.appendChild(text("p", figures.volunteers.now.join(" / ") + "  (" + w("yearAgo") + " " +
      figures.volunteers.year_ago.join(" / ") + ")"));
    box.appendChild(text("h3", w("mediations")));
    box.appendChild(text("p", figures.mediations.now.join(" / ") + "  (" + w("yearAgo") + " " +
      figures.mediations.year_ago.join(" / ") + ")"));
    body.appendChild(box);
  }

  function words() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach(function (n) {
      n.textContent = w(n.getAttribute("data-i18n"));
    });
    document.title = w("title");
    $("lang").textContent = lang === "en" ? "中文" : "EN";
    if (!state) return;
    var scopeNames = state.scope === null ? [w("town")] : state.zones.map(function (z) { return z[1]; });
    $("scope").textContent = scopeNames.join("、") + (state.viewer.kiosk ? " · " + w("kiosk") : "");
    $("logout").hidden = state.viewer.kiosk;
    fillFilters();
  }

  function load() {
    return get("/api/state").then(function (s) {
      state = s;
      offset = Date.parse(s.now) - Date.now();
      cases = {};
      s.cases.forEach(function (c) { cases[c[ID]] = c; });
      names.grid = {}; names.zone = {}; names.category = {}; names.department = {};
      s.grids.forEach(function (g) { names.grid[g[0]] = g[2]; });
      s.categories.forEach(function (c) { names.category[c[0]] = c; });
      s.departments.forEach(function (d) { names.department[d[0]] = d; });
      if (!lang || !localStorage.getItem("minhu.lang")) lang = s.viewer.language;
      words();
      queued.splice(0).forEach(apply);
      render();
      drawFigures();
    });
  }

  function apply(message) {
    if (message.reload) { load(); return; }  // too much changed at once: the whole state
    if (!state) { queued.push(message); return; }
    message.cases.forEach(function (c) { cases[c[ID]] = c; });
    message.removed.forEach(function (id) { delete cases[id]; });
    state.today = message.today;
    offset = Date.parse(message.now) - Date.now();
    render();
    document.body.setAttribute("data-updated", String(Date.now()));
    if (!figuresDue) figuresDue = setTimeout(function () { figuresDue = 0; loadFigures(); }, 60e3);
  }

  function listen() {
    var source = new EventSource("/api/live");
    source.onopen = function () {
      $("live").className = "on"; $("live").title = w("live");
      load();  // what changed while away
    };
    source.onmessage = function (e) { apply(JSON.parse(e.data)); };
    source.onerror = function () {
      $("live").className = "off"; $("live").title = w("offline");
      if (source.readyState === EventSource.CLOSED) location.reload();  // refused: say why
    };
  }

  function loadFigures() {
    get("/api/figures").then(function (f) { figures = f; if (state) drawFigures(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    lang = localStorage.getItem("minhu.lang") || "";
    $("lang").addEventListener("click", function () {
      lang = lang === "en" ? "zh-CN" : "en";
      localStorage.setItem("minhu.lang", lang);
      words(); render(); drawFigures();
    });
    $("logout").addEventListener("click", function () {
      fetch("/logout", { method: "POST", credentials: "same-origin" }).then(function () {
        location.reload();
      });
    });
    ["f-zone", "f-category", "f-department", "f-assignee"].forEach(function (id) {
      $(id).addEventListener("change", render);
    });
    setInterval(function () {
      $("clock").textContent = local(new Date(now()).toISOString());
    }, 1000);
    setInterval(render, 60e3);  // deadlines pass without any change
    setInterval(loadFigures, 300e3);
    listen();
    loadFigures();
  });
})();
