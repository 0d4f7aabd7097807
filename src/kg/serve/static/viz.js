/* kg network page: search, filters, as-of date and the side panel.
   Every text from the data goes through textContent / DOM nodes, never innerHTML. */
(function () {
  "use strict";
  var P = KG_PAGE, M = P.nodes, E = P.edges, A = P.articles;
  var allEdges = edges.get();
  var byNode = M.map(function () { return []; });  // node -> [edge index]
  allEdges.forEach(function (e) { byNode[e.from].push(e.id); byNode[e.to].push(e.id); });
  var labels = nodes.get().map(function (n) { return n.label; });

  function fold(s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d").toLowerCase().replace(/\s+/g, " ").trim();
  }
  function el(tag, text, cls) {
    var x = document.createElement(tag);
    if (text !== undefined && text !== null) x.textContent = String(text);
    if (cls) x.className = cls;
    return x;
  }
  function safeUrl(u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; }
  /* a page of this server (/people/….html, made by page_href in Python), served pages only */
  function pageUrl(u) { return typeof u === "string" && /^\/[a-z]+\/[^\/]/.test(u) ? u : null; }
  function pageLink(text, u, cls) {
    var a = el("a", text, cls);
    a.href = u;
    return a;
  }
  function span(a, b) {
    if (!a && !b) return "";
    if (a && b && a !== b) return a + " – " + b;
    return a || b;
  }

  /* ------------------------------------------------------------ filters */
  var kindBoxes = Array.prototype.slice.call(document.querySelectorAll("#kg-kinds input"));
  var unitSel = document.getElementById("kg-unit"), yearSel = document.getElementById("kg-year");
  var atInput = document.getElementById("kg-at"), isoBox = document.getElementById("kg-isolated");

  /* dates as the page's readers write them: dd/mm/yyyy in the box, ISO inside (ISO typed in works too) */
  function isoDate(text) {
    var t = String(text || "").trim(), m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
    if (m) {
      var d = Number(m[1]), mo = Number(m[2]), y = Number(m[3]);
      var dt = new Date(Date.UTC(y, mo - 1, d));
      if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== mo - 1 || dt.getUTCDate() !== d) return null;
      return m[3] + "-" + (mo < 10 ? "0" : "") + mo + "-" + (d < 10 ? "0" : "") + d;
    }
    return /^\d{4}-\d{2}-\d{2}$/.test(t) ? t : null;
  }
  function viDate(iso) { var p = String(iso).split("-"); return p.length === 3 ? p[2] + "/" + p[1] + "/" + p[0] : iso; }
  window.kgIsoDate = isoDate;

  var unitIds = M.map(function (m, i) { return i; }).filter(function (i) { return M[i].kind === "unit"; })
    .sort(function (a, b) { return labels[a].localeCompare(labels[b], "vi"); });
  unitIds.forEach(function (i) { var o = el("option", labels[i]); o.value = i; unitSel.appendChild(o); });
  var years = {};
  E.forEach(function (e) { e[4].forEach(function (y) { years[y] = 1; }); });
  Object.keys(years).sort().reverse().forEach(function (y) { var o = el("option", y); o.value = y; yearSel.appendChild(o); });
  if (P.at) atInput.value = P.at.length === 10 ? viDate(P.at) : "";

  var nodeHidden = M.map(function () { return false; }), edgeHidden = E.map(function () { return false; });

  function edgeCurrent(e, at) {
    var kind = e[0], first = e[1], ended = e[3];
    if (!at) return true;
    if (kind === "holds") return !!first && first <= at && !(ended && ended <= at);
    return !first || first <= at;
  }

  function applyFilters() {
    var kinds = {};
    kindBoxes.forEach(function (b) { if (b.checked) kinds[b.value] = 1; });
    var year = yearSel.value ? Number(yearSel.value) : null, at = isoDate(atInput.value);
    atInput.setCustomValidity(atInput.value.trim() && !at ? "Ngày không hợp lệ (dd/mm/yyyy)" : "");
    var unit = unitSel.value === "" ? null : Number(unitSel.value);
    var nOk = M.map(function (m) { return !!kinds[m.kind] && (m.deg > 0 || isoBox.checked); });
    var eOk = allEdges.map(function (e) {
      var x = E[e.id];
      if (year !== null && x[4].length && x[4].indexOf(year) < 0) return false;
      return edgeCurrent(x, at);
    });
    if (unit !== null) {  // the unit, its sub-units, and what touches them
      var inUnit = {}; inUnit[unit] = 1;
      var changed = true;
      while (changed) {
        changed = false;
        allEdges.forEach(function (e) {
          if (E[e.id][0] === "sub_unit" && inUnit[e.to] && !inUnit[e.from]) { inUnit[e.from] = 1; changed = true; }
        });
      }
      var near = {};
      allEdges.forEach(function (e) {
        if (!eOk[e.id]) return;
        if (inUnit[e.from] || inUnit[e.to]) { near[e.from] = 1; near[e.to] = 1; }
      });
      Object.keys(inUnit).forEach(function (k) { near[k] = 1; });
      nOk = nOk.map(function (ok, i) { return ok && !!near[i]; });
    }
    if (year !== null || at) {  // dated views: a node with nothing current drops out
      var live = {};
      allEdges.forEach(function (e) {  // in a year view only a dated link keeps a node; sub-units are undated
        if (eOk[e.id] && nOk[e.from] && nOk[e.to] && (year === null || E[e.id][4].length)) { live[e.from] = 1; live[e.to] = 1; }
      });
      nOk = nOk.map(function (ok, i) { return ok && (!!live[i] || (year !== null && M[i].years.indexOf(year) >= 0)); });
    }
    var nUp = [], eUp = [];
    nOk.forEach(function (ok, i) { if (nodeHidden[i] === ok) { nodeHidden[i] = !ok; nUp.push({id: i, hidden: !ok}); } });
    allEdges.forEach(function (e) {
      var ok = eOk[e.id] && nOk[e.from] && nOk[e.to];
      if (edgeHidden[e.id] === ok) { edgeHidden[e.id] = !ok; eUp.push({id: e.id, hidden: !ok}); }
    });
    if (nUp.length) nodes.update(nUp);
    if (eUp.length) edges.update(eUp);
    if (nUp.length) labelsForZoom(true);  // names hidden behind a node that left may show now
    var shown = nodeHidden.filter(function (h) { return !h; }).length;
    document.getElementById("kg-counts").textContent = shown + " / " + M.length + " nút đang hiện";
  }
  kindBoxes.forEach(function (b) { b.addEventListener("change", applyFilters); });
  [unitSel, yearSel, atInput, isoBox].forEach(function (x) { x.addEventListener("change", applyFilters); });
  document.getElementById("kg-reset").addEventListener("click", function () {
    kindBoxes.forEach(function (b) { b.checked = true; });
    unitSel.value = ""; yearSel.value = ""; atInput.value = ""; isoBox.checked = false;
    applyFilters();
  });
  M.forEach(function (m, i) { if (m.deg === 0) nodeHidden[i] = true; });  // hidden from the start (Python)

  /* ------------------------------------------------------------ view: fit what is shown */
  function fitShown() {
    var ids = [];
    nodeHidden.forEach(function (h, i) { if (!h) ids.push(i); });
    if (ids.length) network.fit({nodes: ids, animation: false});
  }
  window.kgFit = fitShown;

  /* ------------------------------------------------------------ labels by zoom level
     Zoomed out, only the most important nodes are named (their importance, m.imp, comes from
     their rank by links: 40 top 1%, 30 top 3%, 22 top 10%, 16 top 30%, 12 the rest); each step in
     adds the next tier, from zoom 0.6 every node, and from zoom 1.2 every link's title is named, as long as its
     label does not cover a more important one (placeLabels). Fonts are set
     for the current zoom so a label stays 11-19 px on screen whatever the zoom (recomputed when the
     zoom leaves [0.75, 1.5] × the zoom they were set for). */
  var ZOOMS = [0.1, 0.2, 0.3, 0.6], TIER = [40, 30, 22, 16, 0], SCREEN_PX = {40: 16, 30: 14, 22: 13};
  var EDGE_ZOOM = 1.2, fontZoom = null, nodeFont = M.map(function () { return 0; }), edgeFont = E.map(function () { return 0; });
  function labelsForZoom(force) {
    var z = network.getScale();
    if (!force && fontZoom !== null && z >= fontZoom * 0.75 && z <= fontZoom * 1.5) return false;
    fontZoom = z;
    var tier = 0;
    while (tier < ZOOMS.length && z >= ZOOMS[tier]) tier++;
    var nUp = [], eUp = [], named = placeLabels(tier, z);
    M.forEach(function (m, i) {
      var size = named[i] ? (SCREEN_PX[m.imp] || 12) / z : 0;
      if (size !== nodeFont[i]) { nodeFont[i] = size; nUp.push({id: i, font: {size: size}}); }
    });
    allEdges.forEach(function (e) {
      if (!e.label) return;
      var size = z >= EDGE_ZOOM ? 11 / z : 0;
      if (size !== edgeFont[e.id]) { edgeFont[e.id] = size; eUp.push({id: e.id, font: {size: size}}); }
    });
    if (nUp.length) nodes.update(nUp);
    if (eUp.length) edges.update(eUp);
    return true;
  }
  window.kgLabels = labelsForZoom;

  /* Which shown nodes of the zoom's tier get their name: most important first, and none whose label
     (drawn under its node) would cover one already placed. Boxes in canvas units, hashed on a grid. */
  var nodeSize = nodes.get({fields: ["id", "size"]}).reduce(function (o, n) { o[n.id] = n.size || 10; return o; }, {});
  function placeLabels(tier, z) {
    var cand = [];
    M.forEach(function (m, i) { if (!nodeHidden[i] && (m.imp || 12) >= TIER[tier]) cand.push(i); });
    cand.sort(function (a, b) { return (M[b].imp - M[a].imp) || (M[b].deg - M[a].deg) || (a - b); });
    var pos = network.getPositions(cand), cellSize = 160 / z, grid = {}, named = {};
    cand.forEach(function (i) {
      // vis-network draws the label under the node, from its centre to its size + a margin below it
      var px = SCREEN_PX[M[i].imp] || 12, w = (labels[i].length * px * 0.58 + 8) / z;
      var p = pos[i], box = [p.x - w / 2, p.y, p.x + w / 2, p.y + nodeSize[i] + (px * 1.4 + 10) / z], keys = [];
      for (var gx = Math.floor(box[0] / cellSize); gx <= Math.floor(box[2] / cellSize); gx++) {
        for (var gy = Math.floor(box[1] / cellSize); gy <= Math.floor(box[3] / cellSize); gy++) keys.push(gx + "," + gy);
      }
      var clash = keys.some(function (k) {
        return (grid[k] || []).some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; });
      });
      if (clash) return;
      named[i] = true;
      keys.forEach(function (k) { (grid[k] = grid[k] || []).push(box); });
    });
    return named;
  }
  network.on("zoom", function () { labelsForZoom(false); });
  network.on("beforeDrawing", function () { labelsForZoom(false); });  // also after fit / moveTo
  isoBox.addEventListener("change", function () { fitShown(); labelsForZoom(true); });

  /* ------------------------------------------------------------ export */
  function download(name, href) {
    var a = document.createElement("a");
    a.download = name; a.href = href; a.style.display = "none";
    document.body.appendChild(a); a.click(); a.remove();
  }
  function exportPng() {  // the drawing as shown (zoom, filters), on white
    var c = document.querySelector("#mynetwork canvas"), out = document.createElement("canvas");
    out.width = c.width; out.height = c.height;
    var g = out.getContext("2d");
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, out.width, out.height); g.drawImage(c, 0, 0);
    return {name: "mang-quan-he.png", href: out.toDataURL("image/png")};
  }
  function exportJson() {  // the nodes and links shown, with their IRIs, kinds and dates
    var shown = [], links = [];
    M.forEach(function (m, i) { if (!nodeHidden[i]) shown.push({id: i, iri: m.iri, kind: m.kind, label: labels[i], degree: m.deg}); });
    allEdges.forEach(function (e) {
      if (edgeHidden[e.id]) return;
      var x = E[e.id];
      links.push({from: M[e.from].iri, to: M[e.to].iri, kind: x[0], label: e.label || null,
                  first: x[1] || null, last: x[2] || null, ended: x[3] || null});
    });
    var doc = {title: document.getElementById("kg-title").textContent, at: isoDate(atInput.value),
               nodes: shown, edges: links};
    return {name: "mang-quan-he.json",
            href: "data:application/json;charset=utf-8," + encodeURIComponent(JSON.stringify(doc, null, 1))};
  }
  window.kgExportPng = exportPng;
  window.kgExportJson = exportJson;
  document.getElementById("kg-export-png").addEventListener("click", function () { var x = exportPng(); download(x.name, x.href); });
  document.getElementById("kg-export-json").addEventListener("click", function () { var x = exportJson(); download(x.name, x.href); });

  /* ------------------------------------------------------------ search */
  var names = document.getElementById("kg-names"), seen = {};
  labels.map(function (l, i) { return [M[i].deg, l]; }).sort(function (a, b) { return b[0] - a[0]; })
    .slice(0, 3000).forEach(function (x) {
      if (seen[x[1]]) return; seen[x[1]] = 1;
      var o = document.createElement("option"); o.value = x[1]; names.appendChild(o);
    });
  var keys = M.map(function (m, i) { return fold(labels[i]); });
  var words = keys.map(function (k) { var w = {}; k.split(" ").forEach(function (t) { w[t] = 1; }); return w; });

  /* The ranking of the catalog's name index (NameIndex.search), over the nodes drawn: the exact folded
     name, then a name that starts with it, then one that has every word of it; the most connected first. */
  function find(q) {
    var k = fold(q), best = null, rank = -1;
    if (!k) return null;
    var qs = k.split(" ");
    M.forEach(function (m, i) {
      var r = keys[i] === k || m.key === k ? 3 : keys[i].indexOf(k) === 0 ? 2
        : qs.every(function (t) { return words[i][t] === 1; }) ? 1 : 0;
      if (r > rank || (r === rank && r > 0 && m.deg > M[best].deg)) { if (r > 0) { best = i; rank = r; } }
    });
    return best;
  }
  function focusNode(i) {
    if (nodeHidden[i]) { document.getElementById("kg-reset").click(); }
    network.selectNodes([i]);
    network.focus(i, {scale: Math.max(network.getScale(), 0.9), animation: false});
    showPanel(i);
  }
  window.kgFocus = focusNode;
  document.getElementById("kg-search-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = document.getElementById("kg-search").value, i = find(q);
    var msg = document.getElementById("kg-search-msg");
    if (i === null) { msg.textContent = "Không tìm thấy “" + q + "”"; return; }
    msg.textContent = "";
    focusNode(i);
  });

  /* ------------------------------------------------------------ panel */
  var panel = document.getElementById("kg-panel");

  function evidenceList(evs) {
    var ul = el("ul", null, "kg-ev");
    evs.forEach(function (ev) {
      var a = A[ev[0]] || ["?", null, null], li = el("li"), url = safeUrl(a[1]);
      var link = url ? el("a", a[0]) : el("span", a[0]);
      if (url) { link.href = url; link.target = "_blank"; link.rel = "noopener noreferrer"; }
      li.appendChild(link);
      var page = pageUrl(a[3]);
      if (page) { li.appendChild(el("span", " · ")); li.appendChild(pageLink("dữ kiện của bài", page, "kg-page")); }
      var d = ev[1] || a[2];
      if (d) li.appendChild(el("span", " (" + d + ")", "kg-date"));
      if (ev[2]) li.appendChild(el("q", ev[2], "kg-quote"));
      ul.appendChild(li);
    });
    return ul;
  }
  function nodeButton(i) {
    var b = el("button", labels[i], "kg-link");
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    return b;
  }
  function showPanel(i) {
    var m = M[i];
    panel.textContent = "";
    var h = el("h2", (m.hon ? m.hon + " " : "") + labels[i]);
    panel.appendChild(h);
    panel.appendChild(el("p", P.kinds[m.kind][0] + (m.unitKind ? " · " + m.unitKind : "") + " · " + m.deg + " liên kết", "kg-kind-line"));
    var iri = el("p", null, "kg-iri"), page = pageUrl(m.page);
    iri.appendChild(page ? pageLink(m.iri, page) : document.createTextNode(m.iri));
    panel.appendChild(iri);
    if (m.roles.length) {
      panel.appendChild(el("h3", "Chức vụ"));
      var ul = el("ul", null, "kg-roles");
      m.roles.forEach(function (r) {
        var li = el("li");
        li.appendChild(el("strong", r[0]));
        if (r[1] !== null && r[1] !== undefined) { li.appendChild(el("span", " — ")); li.appendChild(nodeButton(r[1])); }
        var when = span(r[2], r[3]);
        if (when) li.appendChild(el("div", "Thấy: " + when, "kg-date"));
        if (r[4]) li.appendChild(el("div", "Đã thôi, chậm nhất " + r[4], "kg-ended"));
        li.appendChild(evidenceList(r[5]));
        ul.appendChild(li);
      });
      panel.appendChild(ul);
    }
    // a person's role holdings are listed above, with their evidence: not again here
    var links = byNode[i].filter(function (eid) { return !(E[eid][0] === "holds" && allEdges[eid].from === i && m.roles.length); });
    if (links.length) {
      panel.appendChild(el("h3", "Liên kết (" + links.length + ")"));
      var ul2 = el("ul", null, "kg-links");
      links.slice(0, 300).forEach(function (eid) {
        var e = allEdges[eid], x = E[eid], other = e.from === i ? e.to : e.from;
        var li = el("li");
        li.appendChild(el("span", P.edgeKinds[x[0]][0] + (e.from === i ? " → " : " ← "), "kg-rel"));
        li.appendChild(nodeButton(other));
        if (e.label) li.appendChild(el("span", " · " + e.label, "kg-title"));
        var when = span(x[1], x[2]);
        if (when) li.appendChild(el("span", " (" + when + ")", "kg-date"));
        if (x[3]) li.appendChild(el("span", " đã thôi ≤ " + x[3], "kg-ended"));
        if (x[6] && x[0] === "awarded") li.appendChild(el("span", " · trao bởi " + x[6], "kg-date"));
        if (x[5].length) li.appendChild(evidenceList(x[5]));
        ul2.appendChild(li);
      });
      panel.appendChild(ul2);
    }
    if (m.arts.length) {
      panel.appendChild(el("h3", "Nhắc đến trong"));
      panel.appendChild(evidenceList(m.arts.map(function (a) { return [a, null, null]; })));
    }
  }
  window.kgShowPanel = showPanel;
  network.on("click", function (p) { if (p.nodes.length) showPanel(p.nodes[0]); });

  if (P.at) applyFilters();
  if (!P.focus.length) fitShown();
  labelsForZoom(true);
  if (P.focus.length) {
    network.selectNodes(P.focus);
    showPanel(P.focus[0]);
  }
  window.kgReadyAt = performance.now();
  window.kgReady = true;
})();
