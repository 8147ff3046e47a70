// The faceted case-study catalogue on cases/index (the page asks for it with data-kb-module="catalogue").
// Everything happens in the reader's browser, from files of this site only:
//   data-kb-index  data/catalogue-index.json: the facets and, per record, [id, title, place, snippet,
//                  then one list of value positions per facet], and the keys of the other orders
//                  (`order`) and each record's period (`periods`) (written by export.py at build time);
//   data-kb-text   data/catalogue-text.json: each summary's words, fetched only once the reader
//                  types a search, so opening the page stays light with thousands of records.
// Within a facet the choices are alternatives (OR); across facets all must hold (AND). A choice's
// count is how many case studies the list would show with that choice added. The list is A to Z by
// title, or by evidence (strongest first) or period, from the index's `order`. The filters and the
// order live in the page address (?theme=social-prescribing&kind=measured&q=wigan&sort=evidence), so
// a link restores them. On a narrow screen the facets fold away behind one "Filters" button, so the
// count and the first results are in view.
(function () {
  "use strict";
  var root = document.querySelector('[data-kb-module="catalogue"]');
  if (!root) return;
  var fold = window.kbDom.fold, make = window.kbDom.make, loadJson = window.kbDom.loadJson; // kb-dom.js

  var PAGE_SIZE = 50; // results drawn at a time; "Show more" draws the next ones
  var FIRST_VALUES = 8; // a long facet shows this many choices until "Show all" is pressed
  var FACET0 = 4; // record[FACET0 + f] holds the record's values for facet f
  var WIDE = "(min-width: 60em)"; // the facets sit beside the results, unfolded
  // The orders: the address's `sort` value, the menu's words, the key in index.order (none: A to Z,
  // the index's own order) and whether larger keys come first. Records without a key come last.
  var ORDERS = [
    { value: "", label: "Title, A to Z" },
    { value: "evidence", label: "Evidence, strongest first", key: "evidence", down: false },
    { value: "-evidence", label: "Evidence, weakest first", key: "evidence", down: true },
    { value: "-period", label: "Period, most recent first", key: "period", down: true },
    { value: "period", label: "Period, earliest first", key: "period", down: false },
  ];

  var index, facets, records, haystacks;
  var summaryWords = null; // loaded on the first search
  var textRequest = null;
  var query = "";
  var selected = []; // per facet: a Set of value positions
  var order = ORDERS[0];
  var shownCount = PAGE_SIZE;
  var ui = {};

  function setState(value) {
    root.setAttribute("data-kb-state", value);
  }

  // --- the page address -------------------------------------------------------------------------

  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    query = params.get("q") || "";
    var sort = params.get("sort") || "";
    order = ORDERS.filter(function (o) { return o.value === sort; })[0] || ORDERS[0];
    facets.forEach(function (facet, f) {
      var wanted = (params.get(facet.key) || "").split(",").filter(Boolean);
      selected[f] = new Set();
      facet.values.forEach(function (value, position) {
        if (wanted.indexOf(value[0]) !== -1) selected[f].add(position);
      });
    });
  }

  function writeAddress() {
    var params = new URLSearchParams();
    if (query.trim()) params.set("q", query.trim());
    facets.forEach(function (facet, f) {
      if (selected[f].size) {
        var ids = Array.from(selected[f]).sort(function (a, b) { return a - b; }).map(function (p) { return facet.values[p][0]; });
        params.set(facet.key, ids.join(","));
      }
    });
    if (order.value) params.set("sort", order.value);
    var search = params.toString();
    var address = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    window.history.replaceState(null, "", address);
  }

  // --- filtering --------------------------------------------------------------------------------

  function queryWords() {
    return fold(query).split(/\s+/).filter(Boolean);
  }

  function textMatches(i, words) {
    for (var w = 0; w < words.length; w++) {
      if (haystacks[i].indexOf(words[w]) === -1 && (!summaryWords || summaryWords[i].indexOf(words[w]) === -1)) return false;
    }
    return true;
  }

  function inFacet(record, f) {
    if (!selected[f].size) return true;
    var values = record[FACET0 + f];
    for (var v = 0; v < values.length; v++) if (selected[f].has(values[v])) return true;
    return false;
  }

  // One pass over the records: the matches, and for every choice the number of matches it would give.
  function compute() {
    var words = queryWords();
    var matches = [];
    var counts = facets.map(function (facet) { return facet.values.map(function () { return 0; }); });
    records.forEach(function (record, i) {
      if (words.length && !textMatches(i, words)) return;
      var failed = -1;
      for (var f = 0; f < facets.length; f++) {
        if (!inFacet(record, f)) {
          if (failed !== -1) return; // fails two facets: no single added choice brings it in
          failed = f;
        }
      }
      if (failed === -1) matches.push(i);
      facets.forEach(function (facet, g) {
        if (failed !== -1 && g !== failed) return;
        record[FACET0 + g].forEach(function (v) { counts[g][v] += 1; });
      });
    });
    return { matches: matches, counts: counts };
  }

  // The matches in the chosen order; ties, and the A to Z order itself, keep the index's title order.
  function ordered(matches) {
    if (!order.key) return matches;
    var keys = index.order[order.key];
    var direction = order.down ? -1 : 1;
    return matches.slice().sort(function (a, b) {
      var x = keys[a], y = keys[b];
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return x === y ? a - b : x < y ? -direction : direction;
    });
  }

  // --- drawing ----------------------------------------------------------------------------------

  function buildFacet(facet, f) {
    var list = make("ul", { className: "kb-cat-values" });
    facet.inputs = [];
    facet.items = [];
    facet.values.forEach(function (value, position) {
      var id = "kb-cat-" + facet.key + "-" + position;
      var input = make("input", { type: "checkbox", id: id, value: value[0] });
      var count = make("span", { className: "kb-cat-count" });
      var label = make("label", { for: id }, [make("span", { className: "kb-cat-name", text: value[1] }), document.createTextNode(" "), count]);
      input.addEventListener("change", function () {
        if (input.checked) selected[f].add(position);
        else selected[f].delete(position);
        shownCount = PAGE_SIZE;
        update();
      });
      var item = make("li", {}, [input, label]);
      facet.inputs.push(input);
      facet.items.push({ item: item, count: count });
      list.appendChild(item);
    });
    var more = null;
    if (facet.values.length > FIRST_VALUES + 2) {
      more = make("button", { type: "button", className: "kb-cat-more", "aria-expanded": "false", text: "Show all " + facet.values.length });
      more.addEventListener("click", function () {
        facet.expanded = !facet.expanded;
        more.setAttribute("aria-expanded", String(facet.expanded));
        more.textContent = facet.expanded ? "Show fewer" : "Show all " + facet.values.length;
        update();
      });
    }
    facet.more = more;
    facet.badge = make("span", { className: "kb-cat-badge" });
    var details = make("details", { className: "kb-cat-facet" }, [
      make("summary", {}, [make("span", { text: facet.label }), document.createTextNode(" "), facet.badge]),
      make("fieldset", {}, [make("legend", { className: "kb-visually-hidden", text: facet.label }), list, more]),
    ]);
    if (facet.open || selected[f].size) details.open = true;
    return details;
  }

  function buildSortMenu() {
    ui.sort = make("select", { id: "kb-cat-sort" }, ORDERS.map(function (o) {
      return make("option", { value: o.value, text: o.label });
    }));
    ui.sort.addEventListener("change", function () {
      order = ORDERS[ui.sort.selectedIndex];
      shownCount = PAGE_SIZE;
      update();
    });
    return make("div", { className: "kb-cat-sort" }, [make("label", { for: "kb-cat-sort", text: "Sort by" }), ui.sort]);
  }

  // The search box and the folded facets on the left (above on a phone); the count, the order and
  // the results beside them.
  function build() {
    ui.search = make("input", { type: "search", id: "kb-cat-q", autocomplete: "off", spellcheck: "false" });
    ui.search.value = query;
    ui.search.addEventListener("input", function () {
      query = ui.search.value;
      shownCount = PAGE_SIZE;
      if (queryWords().length) loadSummaries();
      update();
    });
    ui.clear = make("button", { type: "button", className: "kb-cat-clear", text: "Clear all filters" });
    ui.clear.addEventListener("click", function () {
      query = "";
      ui.search.value = "";
      selected.forEach(function (set) { set.clear(); });
      shownCount = PAGE_SIZE;
      update();
    });
    ui.status = make("p", { className: "kb-cat-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    ui.results = make("ol", { className: "kb-cat-results", "aria-labelledby": "kb-cat-results-heading" });
    ui.showMore = make("button", { type: "button", className: "kb-cat-show-more" });
    ui.showMore.addEventListener("click", function () {
      shownCount += PAGE_SIZE;
      update();
    });
    ui.badge = make("span", { className: "kb-cat-badge" });
    ui.filters = make("details", { className: "kb-cat-filters" }, [
      make("summary", {}, [make("span", { text: "Filters" }), " ", ui.badge]),
      make("div", { className: "kb-cat-facets" }, facets.map(buildFacet)),
      make("div", { className: "kb-cat-actions" }, [ui.clear]),
    ]);
    ui.filters.open = window.matchMedia(WIDE).matches;
    var form = make("form", { className: "kb-cat-form", role: "search", "aria-label": "Filter the case studies" }, [
      make("div", { className: "kb-cat-search" }, [
        make("label", { for: "kb-cat-q", text: "Search titles, places and summaries" }),
        ui.search,
      ]),
      ui.filters,
    ]);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    root.replaceChildren(
      form,
      make("div", { className: "kb-cat-main" }, [
        make("h2", { id: "kb-cat-results-heading", className: "kb-cat-heading kb-visually-hidden", text: "Matching case studies" }),
        make("div", { className: "kb-cat-bar" }, [ui.status, buildSortMenu()]),
        ui.results,
        ui.showMore,
      ])
    );
  }

  function describeFilters() {
    var parts = [];
    facets.forEach(function (facet, f) {
      if (!selected[f].size) return;
      var names = Array.from(selected[f]).map(function (p) { return facet.values[p][1]; });
      parts.push(facet.label + ": " + names.join(" or "));
    });
    if (query.trim()) parts.push("text: \u201c" + query.trim() + "\u201d");
    return parts.join("; ");
  }

  function resultItem(i) {
    var record = records[i];
    var tags = [];
    ["level", "evidence", "kind"].forEach(function (key) {
      var f = index.facetPosition[key];
      if (f === undefined) return;
      record[FACET0 + f].forEach(function (v) { tags.push(facets[f].values[v][1]); });
    });
    var href = new URL(index.url.replace("{id}", encodeURIComponent(record[0])), index.siteRoot).href;
    return make("li", { className: "kb-cat-item" }, [
      make("a", { href: href, className: "kb-cat-title", text: record[1] }),
      make("span", { className: "kb-cat-place", text: record[2] }),
      make("p", { className: "kb-cat-snippet", text: record[3] }),
      make("p", { className: "kb-cat-tags", text: tags.concat(index.periods[i] ? [index.periods[i]] : []).join(" \u00b7 ") }),
    ]);
  }

  function update() {
    var result = compute();
    facets.forEach(function (facet, f) {
      facet.inputs.forEach(function (input, position) {
        var n = result.counts[f][position];
        var checked = selected[f].has(position);
        input.checked = checked;
        input.disabled = !checked && n === 0;
        var entry = facet.items[position];
        entry.count.textContent = "(" + n + ")";
        entry.item.classList.toggle("kb-cat-zero", !checked && n === 0);
        entry.item.hidden = !!facet.more && !facet.expanded && position >= FIRST_VALUES && !checked;
      });
      facet.badge.textContent = selected[f].size ? "(" + selected[f].size + " chosen)" : "";
    });
    var chosen = selected.reduce(function (n, set) { return n + set.size; }, 0);
    ui.badge.textContent = chosen ? "(" + chosen + " chosen)" : "";
    ui.sort.value = order.value;
    var total = records.length;
    var found = result.matches.length;
    var filters = describeFilters();
    var waiting = queryWords().length && !summaryWords;
    ui.status.textContent =
      (filters ? found + " of " + total + " case studies match " + filters + "." : "All " + total + " case studies.") +
      (waiting ? " Searching the summaries too\u2026" : "");
    ui.clear.disabled = !filters;
    var shown = ordered(result.matches).slice(0, shownCount);
    ui.results.replaceChildren.apply(ui.results, shown.map(resultItem));
    var left = found - shown.length;
    ui.showMore.hidden = left <= 0;
    ui.showMore.textContent = "Show " + Math.min(left, PAGE_SIZE) + " more (" + left + " not shown)";
    writeAddress();
  }

  // --- loading ----------------------------------------------------------------------------------

  function loadSummaries() {
    if (textRequest) return;
    setState("loading-text");
    textRequest = loadJson(new URL(root.getAttribute("data-kb-text"), document.baseURI).href)
      .then(function (words) {
        summaryWords = words.map(fold);
        setState("ready");
        update();
      })
      .catch(function (err) {
        setState("text-failed");
        ui.status.textContent += " The summaries could not be searched (" + err.message + "); titles and places were.";
      });
  }

  function start(data) {
    index = data;
    facets = data.facets;
    records = data.records;
    var indexUrl = new URL(root.getAttribute("data-kb-index"), document.baseURI);
    index.siteRoot = new URL("..", indexUrl).href; // the index sits in data/ at the site root
    index.facetPosition = {};
    facets.forEach(function (facet, f) { index.facetPosition[facet.key] = f; });
    haystacks = records.map(function (record) { return fold(record[1] + " \u0001 " + record[2] + " \u0001 " + record[3]); });
    readAddress();
    build();
    if (queryWords().length) loadSummaries();
    update();
    if (!textRequest) setState("ready");
  }

  setState("loading");
  root.appendChild(make("p", { className: "kb-cat-loading", text: "Loading the filters\u2026" }));
  loadJson(new URL(root.getAttribute("data-kb-index"), document.baseURI).href)
    .then(start)
    .catch(function (err) {
      setState("failed");
      root.replaceChildren(
        make("p", { className: "kb-cat-error", text: "The filters could not be loaded (" + err.message + "). Every case study is listed, A to Z, on the pages below." })
      );
    });
})();
