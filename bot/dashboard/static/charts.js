// Small SVG charts drawn from JSON (no library): grouped bars. window.MinhuCharts.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs, text) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // groups: [{label, values: [now, yearAgo]}]; series: [name, name]; returns an <svg>.
  function bars(groups, series) {
    var w = 320, h = 170, top = 18, bottom = 36, left = 8, colours = ["#4c8dff", "#5b6b84"];
    var most = 1;
    groups.forEach(function (g) { g.values.forEach(function (v) { most = Math.max(most, v); }); });
    var svg = el("svg", { viewBox: "0 0 " + w + " " + h, class: "chart", role: "img" });
    var slot = (w - left * 2) / Math.max(groups.length, 1), bar = Math.min(28, slot / 3);
    groups.forEach(function (g, i) {
      var x0 = left + slot * i + (slot - bar * 2 - 4) / 2;
      g.values.forEach(function (v, j) {
        var bh = (h - top - bottom) * v / most, x = x0 + j * (bar + 4);
        svg.appendChild(el("rect", { x: x, y: h - bottom - bh, width: bar, height: bh,
                                     fill: colours[j] }));
        svg.appendChild(el("text", { x: x + bar / 2, y: h - bottom - bh - 3,
                                     "text-anchor": "middle" }, String(v)));
      });
      svg.appendChild(el("text", { x: left + slot * i + slot / 2, y: h - bottom + 14,
                                   "text-anchor": "middle" }, g.label));
    });
    series.forEach(function (name, j) {
      svg.appendChild(el("rect", { x: left + j * 110, y: h - 12, width: 10, height: 10,
                                   fill: colours[j] }));
      svg.appendChild(el("text", { x: left + j * 110 + 14, y: h - 3 }, name));
    });
    return svg;
  }

  window.MinhuCharts = { bars: bars };
})();
