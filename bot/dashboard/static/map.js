// The town's grids drawn as SVG from the server's paths (no tiles, no network), coloured by
// open cases and overdue share, with the located open cases as points. window.MinhuMap.
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // Colour of a grid: blue for few open cases, towards red as the overdue share grows.
  function colour(open, overdue, most) {
    if (!open) return "#1f3553";
    var share = overdue / open;
    var weight = 0.35 + 0.65 * Math.min(1, open / Math.max(most, 1));
    var r = Math.round(60 + 170 * share), g = Math.round(120 - 70 * share),
        b = Math.round(200 - 150 * share);
    return "rgba(" + r + "," + g + "," + b + "," + weight.toFixed(2) + ")";
  }

  function project(p, lng, lat) {
    return [(lng - p[0]) * p[2], (p[1] - lat) * p[3]];
  }

  // Draw into `box`: `perGrid` maps grid id -> [open, overdue]; `points` are
  // [lat, lng, overdue] of located cases; `onGrid(id)` is called on a click.
  function draw(box, map, names, perGrid, points, chosen, onGrid) {
    box.textContent = "";
    var size = map.size;
    var svg = el("svg", { viewBox: "-10 -10 " + (size[0] + 20) + " " + (size[1] + 20),
                          role: "img" });
    var most = 0;
    Object.keys(perGrid).forEach(function (k) { most = Math.max(most, perGrid[k][0]); });
    var labels = [];
    map.grids.forEach(function (g) {
      var id = g[0], counts = perGrid[id] || [0, 0];
      var path = el("path", { d: g[1], fill: colour(counts[0], counts[1], most),
                              "data-grid-id": id, "data-open": counts[0],
                              "data-testid": "map-grid" });
      if (chosen === id) path.setAttribute("class", "chosen");
      var title = el("title");
      title.textContent = (names[id] || id) + " · " + counts[0] + " / " + counts[1];
      path.appendChild(title);
      path.addEventListener("click", function () { onGrid(id); });
      svg.appendChild(path);
      labels.push([path, counts[0]]);
    });
    if (map.projection) {
      points.forEach(function (p) {
        var xy = project(map.projection, p[1], p[0]);
        svg.appendChild(el("circle", { cx: xy[0].toFixed(1), cy: xy[1].toFixed(1), r: 9,
                                       fill: p[2] ? "#e5484d" : "#ffd166",
                                       "data-testid": "map-point", "data-case": p[3] }));
      });
    }
    box.appendChild(svg);
    labels.forEach(function (pair) {  // the open count in the middle of each grid
      if (!pair[1]) return;
      var bb = pair[0].getBBox();
      var t = el("text", { x: bb.x + bb.width / 2, y: bb.y + bb.height / 2 });
      t.textContent = pair[1];
      svg.appendChild(t);
    });
  }

  window.MinhuMap = { draw: draw, colour: colour };
})();
