// The outcomes comparison on cases/outcomes (the page asks for it with data-kb-module="outcomes").
// Everything happens in the reader's browser, from data-kb-index: data/outcomes-index.json, written by
// publish/compare.py at build time (its docstring describes the lists). The filters are menus, one
// choice each, and words searched in the measures, comparisons, periods, case studies and places; they
// live in the page address (?domain=hospital-use&q=emergency+admissions), so a link restores them.
// Figures are never ranked across units or kinds: the table sorts by figure only when every figure
// shown has one unit and one kind (and all are changes, or none), and the kind and the comparison sit
// beside each figure.
(function () {
  "use strict";
  var root = document.querySelector('[data-kb-module="outcomes"]');
  if (!root) return;
  var fold = window.kbDom.fold, make = window.kbDom.make, loadJson = window.kbDom.loadJson; // kb-dom.js

  var PAGE_SIZE = 100; // rows drawn at a time; "Show more" draws the next ones
  // outcome fields (see compare.outcomes_index)
  var CASE = 0, MEASURE = 1, FIGURE = 2, DIRECTION = 3, KIND = 4, DOMAIN = 5, COMPARED = 6, PERIOD = 7, SOURCE = 8, LOCATOR = 9, NUMBER = 10, UNIT = 11;
  // case fields
  var C_ID = 0, C_TITLE = 1, C_WHERE = 2, C_EVIDENCE = 3, C_THEMES = 4, C_PLACE = 5; // C_WHERE the place as text, C_PLACE its filter value

  var index, facets, outcomes, cases, haystacks;
  var query = "";
  var selected = {}; // facet key -> value position, or -1 for any
  var caseFilter = -1; // a case study's position, set by the link on its page
  var sortKey = ""; // "" is the first order: by domain, kind and case study
  var sortDown = false;
  var shownCount = PAGE_SIZE;
  var ui = {};

  // The columns: heading, how to sort by it (a function giving a sort key), and what the cell holds.
  var COLUMNS = [
    { key: "measure", label: "Measure", sort: function (o) { return fold(o[MEASURE]); } },
    { key: "figure", label: "Figure", sort: signedFigure },
    { key: "direction", label: "Direction" },
    { key: "kind", label: "Kind", sort: function (o) { return o[KIND]; } },
    { key: "compared", label: "Compared with" },
    { key: "period", label: "Period" },
    { key: "domain", label: "Domain", sort: function (o) { return o[DOMAIN]; } },
    { key: "evidence", label: "Evidence", sort: function (o) { return cases[o[CASE]][C_EVIDENCE]; } },
    { key: "place", label: "Place", sort: function (o) { return fold(cases[o[CASE]][C_WHERE]); } },
    { key: "case", label: "Case study", sort: function (o) { return fold(cases[o[CASE]][C_TITLE]); } },
    { key: "source", label: "Source", sort: function (o) { return index.sources[o[SOURCE]][0] + " " + index.locators[o[LOCATOR]]; } },
  ];

  // A change's number with its direction: a decrease counts below zero, so "34% decrease" sorts before
  // "10% increase". Null without a figure.
  function signedFigure(o) {
    if (o[NUMBER] === null) return null;
    return o[DIRECTION] === "decrease" ? -o[NUMBER] : o[DIRECTION] === "no change" ? 0 : o[NUMBER];
  }

  function setState(value) {
    root.setAttribute("data-kb-state", value);
  }

  function column(key) {
    return COLUMNS.filter(function (c) { return c.key === key; })[0];
  }

  // --- the page address -------------------------------------------------------------------------

  function readAddress() {
    var params = new URLSearchParams(window.location.search);
    query = params.get("q") || "";
    facets.forEach(function (facet) {
      var wanted = (params.get(facet.key) || "").split(",")[0];
      selected[facet.key] = facet.values.findIndex(function (value) { return value[0] === wanted; });
    });
    var wantedCase = params.get("case");
    caseFilter = wantedCase ? cases.findIndex(function (c) { return c[C_ID] === wantedCase; }) : -1;
    var sort = params.get("sort") || "";
    sortDown = sort.charAt(0) === "-";
    sortKey = sort.replace(/^-/, "");
    if (!column(sortKey) || !column(sortKey).sort) sortKey = "";
  }

  function writeAddress() {
    var params = new URLSearchParams();
    if (query.trim()) params.set("q", query.trim());
    facets.forEach(function (facet) {
      if (selected[facet.key] >= 0) params.set(facet.key, facet.values[selected[facet.key]][0]);
    });
    if (caseFilter >= 0) params.set("case", cases[caseFilter][C_ID]);
    if (sortKey) params.set("sort", (sortDown ? "-" : "") + sortKey);
    var search = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (search ? "?" + search : "") + window.location.hash);
  }

  // --- filtering --------------------------------------------------------------------------------

  function queryWords() {
    return fold(query).split(/\s+/).filter(Boolean);
  }

  // The facet values of one outcome: a list of positions per facet (a case study has several themes).
  function valuesOf(o) {
    var c = cases[o[CASE]];
    return { domain: [o[DOMAIN]], kind: [o[KIND]], evidence: [c[C_EVIDENCE]], theme: c[C_THEMES], place: [c[C_PLACE]] };
  }

  // One pass: the matching outcomes, and for each menu choice how many would match with it chosen instead.
  function compute() {
    var words = queryWords();
    var matches = [];
    var counts = {};
    facets.forEach(function (facet) { counts[facet.key] = facet.values.map(function () { return 0; }); });
    outcomes.forEach(function (o, i) {
      if (caseFilter >= 0 && o[CASE] !== caseFilter) return;
      for (var w = 0; w < words.length; w++) if (haystacks[i].indexOf(words[w]) === -1) return;
      var values = valuesOf(o);
      var failed = null;
      for (var f = 0; f < facets.length; f++) {
        var key = facets[f].key;
        if (selected[key] >= 0 && values[key].indexOf(selected[key]) === -1) {
          if (failed !== null) return; // fails two menus: no single other choice brings it in
          failed = key;
        }
      }
      if (failed === null) matches.push(i);
      facets.forEach(function (facet) {
        if (failed !== null && facet.key !== failed) return;
        values[facet.key].forEach(function (v) { counts[facet.key][v] += 1; });
      });
    });
    return { matches: matches, counts: counts };
  }

  // Figures can be set side by side only when they share one unit and one kind, and are all changes (with
  // a direction) or all levels (without): a 34% fall and an 82% share are not on one scale.
  function figuresComparable(matches) {
    var unit = null, kind = null, change = null, numbers = 0;
    for (var m = 0; m < matches.length; m++) {
      var o = outcomes[matches[m]];
      if (o[NUMBER] === null) continue;
      if (numbers && (o[UNIT] !== unit || o[KIND] !== kind || !!o[DIRECTION] !== change)) return false;
      unit = o[UNIT];
      kind = o[KIND];
      change = !!o[DIRECTION];
      numbers += 1;
    }
    return numbers >= 2;
  }

  function sorted(matches) {
    if (!sortKey) return matches;
    var key = column(sortKey).sort;
    var direction = sortDown ? -1 : 1;
    return matches.slice().sort(function (a, b) {
      var x = key(outcomes[a]), y = key(outcomes[b]);
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1; // no figure: always last
      if (x < y) return -direction;
      if (x > y) return direction;
      return a - b; // ties keep the first order
    });
  }

  // --- drawing ----------------------------------------------------------------------------------

  function buildMenu(facet) {
    var id = "kb-cmp-" + facet.key;
    var select = make("select", { id: id });
    select.appendChild(make("option", { value: "", text: "Any" }));
    facet.options = facet.values.map(function (value) {
      var option = make("option", { value: value[0], text: value[1] });
      select.appendChild(option);
      return option;
    });
    select.addEventListener("change", function () {
      selected[facet.key] = select.selectedIndex - 1;
      shownCount = PAGE_SIZE;
      update();
    });
    facet.select = select;
    return make("div", { className: "kb-cmp-menu" }, [make("label", { for: id, text: facet.label }), select]);
  }

  // How the sort menu names each order, up and down.
  var ORDER_WORDS = {
    figure: ["smallest first", "largest first"],
    evidence: ["strongest first", "weakest first"],
    kind: ["in the book's order", "reversed"],
    domain: ["in the book's order", "reversed"],
  };

  function buildSortMenu() {
    var select = make("select", { id: "kb-cmp-sort" });
    ui.sortOptions = [make("option", { value: "", text: "Domain, kind" })];
    COLUMNS.forEach(function (c) {
      if (!c.sort) return;
      var words = ORDER_WORDS[c.key] || ["A to Z", "Z to A"];
      [false, true].forEach(function (down, d) {
        ui.sortOptions.push(make("option", { value: (down ? "-" : "") + c.key, text: c.label + ", " + words[d] }));
      });
    });
    ui.sortOptions.forEach(function (option) { select.appendChild(option); });
    select.addEventListener("change", function () {
      sortDown = select.value.charAt(0) === "-";
      sortKey = select.value.replace(/^-/, "");
      update();
    });
    ui.sort = select;
    return make("div", { className: "kb-cmp-menu kb-cmp-sort" }, [make("label", { for: "kb-cmp-sort", text: "Sort by" }), select]);
  }

  function buildHead() {
    ui.headers = {};
    var row = make("tr", {}, COLUMNS.map(function (c) {
      var th = make("th", { scope: "col" });
      if (c.sort) {
        var button = make("button", { type: "button", className: "kb-cmp-sort-button", text: c.label });
        button.addEventListener("click", function () {
          if (button.disabled) return;
          sortDown = sortKey === c.key ? !sortDown : false;
          sortKey = c.key;
          update();
        });
        th.appendChild(button);
        ui.headers[c.key] = { th: th, button: button };
      } else {
        th.textContent = c.label;
      }
      return th;
    }));
    return make("thead", {}, [row]);
  }

  function build() {
    ui.search = make("input", { type: "search", id: "kb-cmp-q", autocomplete: "off", spellcheck: "false" });
    ui.search.value = query;
    ui.search.addEventListener("input", function () {
      query = ui.search.value;
      shownCount = PAGE_SIZE;
      update();
    });
    ui.clear = make("button", { type: "button", className: "kb-cmp-clear", text: "Clear all filters" });
    ui.clear.addEventListener("click", function () {
      query = "";
      ui.search.value = "";
      facets.forEach(function (facet) { selected[facet.key] = -1; });
      caseFilter = -1;
      shownCount = PAGE_SIZE;
      update();
    });
    ui.caseNote = make("p", { className: "kb-cmp-case" });
    // The menus fold away on a narrow screen, so the count and the first rows are in view.
    ui.badge = make("span", { className: "kb-cmp-badge" });
    ui.menus = make("details", { className: "kb-cmp-filters" }, [
      make("summary", {}, [make("span", { text: "Filters and order" }), " ", ui.badge]),
      make("div", { className: "kb-cmp-menus" }, facets.map(buildMenu).concat([buildSortMenu()])),
    ]);
    ui.menus.open = window.matchMedia("(min-width: 60em)").matches;
    var form = make("form", { className: "kb-cmp-form", role: "search", "aria-label": "Filter the outcomes" }, [
      make("div", { className: "kb-cmp-search" }, [make("label", { for: "kb-cmp-q", text: "Search measures, places and case studies" }), ui.search]),
      ui.menus,
      ui.caseNote,
      make("div", { className: "kb-cmp-actions" }, [ui.clear]),
    ]);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    ui.status = make("p", { className: "kb-cmp-status", role: "status", "aria-live": "polite", "aria-atomic": "true" });
    ui.sortNote = make("p", { className: "kb-cmp-sort-note" });
    ui.body = make("tbody");
    ui.caption = make("caption", { className: "kb-visually-hidden" });
    ui.table = make("table", { className: "kb-table kb-compare-table" }, [ui.caption, buildHead(), ui.body]);
    ui.showMore = make("button", { type: "button", className: "kb-cmp-show-more" });
    ui.showMore.addEventListener("click", function () {
      shownCount += PAGE_SIZE;
      update();
    });
    root.replaceChildren(
      form,
      ui.status,
      ui.sortNote,
      make("div", { className: "kb-compare-wrap", tabindex: "0", role: "region", "aria-label": "Matching outcomes" }, [ui.table]),
      ui.showMore
    );
  }

  function describeFilters() {
    var parts = [];
    facets.forEach(function (facet) {
      if (selected[facet.key] >= 0) parts.push(facet.label + ": " + facet.values[selected[facet.key]][1]);
    });
    if (caseFilter >= 0) parts.push("case study: " + cases[caseFilter][C_TITLE]);
    if (query.trim()) parts.push("text: \u201c" + query.trim() + "\u201d");
    return parts.join("; ");
  }

  function cell(label, children, className) {
    return make("td", { "data-label": label, className: className || "" }, children);
  }

  function row(i) {
    var o = outcomes[i];
    var c = cases[o[CASE]];
    var source = index.sources[o[SOURCE]];
    var href = new URL(index.url.replace("{id}", encodeURIComponent(c[C_ID])), index.siteRoot).href;
    var kind = facets[index.facetPosition.kind].values[o[KIND]];
    return make("tr", {}, [
      cell("Measure", [o[MEASURE]], "kb-cmp-measure"),
      cell("Figure", [o[FIGURE]], "kb-cmp-figure"),
      cell("Direction", [o[DIRECTION] || "\u2014"]),
      cell("Kind", [make("span", { className: "outcome-kind kind-" + kind[0], text: kind[1] })]),
      cell("Compared with", [o[COMPARED] || "\u2014"]),
      cell("Period", [o[PERIOD] || "\u2014"]),
      cell("Domain", [facets[index.facetPosition.domain].values[o[DOMAIN]][1]]),
      cell("Evidence", [facets[index.facetPosition.evidence].values[c[C_EVIDENCE]][1]]),
      cell("Place", [c[C_WHERE]]),
      cell("Case study", [make("a", { href: href, text: c[C_TITLE] })]),
      cell("Source", [make("details", { className: "kb-source-ref" }, [make("summary", { text: source[0] + ", " + index.locators[o[LOCATOR]] }), source[1]])]),
    ]);
  }

  function update() {
    var result = compute();
    facets.forEach(function (facet) {
      facet.select.selectedIndex = selected[facet.key] + 1;
      facet.options.forEach(function (option, position) {
        var n = result.counts[facet.key][position];
        option.textContent = facet.values[position][1] + " (" + n + ")";
        option.disabled = n === 0 && selected[facet.key] !== position;
      });
    });
    var comparable = figuresComparable(result.matches);
    var note = "";
    if (sortKey === "figure" && !comparable) {
      sortKey = "";
      note = "These figures have different units or kinds, or mix changes with levels, so they are not sorted by figure; choose one kind and one measure to compare figures.";
    } else if (comparable) {
      note = "Every figure shown has the same unit and kind, so they can be sorted by figure (a decrease counts below zero); check what each is compared with.";
    }
    ui.sortNote.textContent = note;
    ui.sortNote.hidden = !note;
    ui.sortOptions.forEach(function (option) {
      option.disabled = option.value.replace(/^-/, "") === "figure" && !comparable;
    });
    ui.sort.value = (sortKey && sortDown ? "-" : "") + sortKey;
    Object.keys(ui.headers).forEach(function (key) {
      var header = ui.headers[key];
      var active = sortKey === key;
      header.th.setAttribute("aria-sort", active ? (sortDown ? "descending" : "ascending") : "none");
      header.button.disabled = key === "figure" && !comparable;
      header.button.title = header.button.disabled ? "Figures of different units or kinds cannot be ranked" : "";
    });
    ui.caseNote.hidden = caseFilter < 0;
    ui.caseNote.textContent = caseFilter >= 0 ? "Showing one case study: " + cases[caseFilter][C_TITLE] + ". Clear all filters to see every case study." : "";

    var found = result.matches.length;
    var inCases = new Set(result.matches.map(function (i) { return outcomes[i][CASE]; })).size;
    var filters = describeFilters();
    ui.status.textContent = filters
      ? found + " of " + outcomes.length + " outcomes match " + filters + " (from " + inCases + (inCases === 1 ? " case study)." : " case studies).")
      : "All " + outcomes.length + " outcomes, from " + inCases + " case studies.";
    ui.caption.textContent = ui.status.textContent;
    ui.clear.disabled = !filters;
    var chosen = facets.filter(function (facet) { return selected[facet.key] >= 0; }).length;
    ui.badge.textContent = chosen ? "(" + chosen + " chosen)" : "";
    var shown = sorted(result.matches).slice(0, shownCount);
    ui.body.replaceChildren.apply(ui.body, shown.map(row));
    ui.table.hidden = !found;
    var left = found - shown.length;
    ui.showMore.hidden = left <= 0;
    ui.showMore.textContent = "Show " + Math.min(left, PAGE_SIZE) + " more (" + left + " not shown)";
    writeAddress();
  }

  // --- loading ----------------------------------------------------------------------------------

  function start(data) {
    index = data;
    facets = data.facets;
    outcomes = data.outcomes;
    cases = data.cases;
    index.siteRoot = new URL("..", new URL(root.getAttribute("data-kb-index"), document.baseURI)).href; // the index sits in data/
    index.facetPosition = {};
    facets.forEach(function (facet, f) { index.facetPosition[facet.key] = f; });
    haystacks = outcomes.map(function (o) {
      var c = cases[o[CASE]];
      return fold([o[MEASURE], o[COMPARED], o[PERIOD], c[C_TITLE], c[C_WHERE]].join(" \u0001 "));
    });
    readAddress();
    build();
    update();
    setState("ready");
  }

  setState("loading");
  root.appendChild(make("p", { className: "kb-cmp-loading", text: "Loading the outcomes\u2026" }));
  loadJson(new URL(root.getAttribute("data-kb-index"), document.baseURI).href)
    .then(start)
    .catch(function (err) {
      setState("failed");
      root.replaceChildren(make("p", { className: "kb-cat-error", text: "The outcomes could not be loaded (" + err.message + "). Every outcome is listed, domain by domain, on the pages below." }));
    });
})();
