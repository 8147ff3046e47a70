// The interactive charts. Every chart is on the page as static SVG in two layouts, wide and narrow
// (chapters/chartlayout.py; the CSS shows the one that fits its column, in the page's colours), so a
// page with charts loads no chart library. When a reader presses a chart's "Interactive chart" button
// (not on hover: a page scrolled under a resting mouse would load it for every reader), this loads the
// book's own Vega bundle and the chart's specs (data/charts/<name>.spec.js) and draws the chart from
// the layout that fits, at its container's exact width, in the page's colours, with tooltips. It is
// drawn again when the reader switches between light and dark or the container changes width. The
// static SVG stays when drawing fails. Both files load as scripts, not by fetch, so this works from
// file:// as well.
(function () {
  "use strict";
  var NARROW_BELOW = 620; // CSS px: chartlayout.NARROW_BELOW
  var MIN_PANEL = 120; // chartlayout.MIN_PANEL
  var DARK_MIX = 0.35; // the share of white mixed into a chart's colours on a dark page
  var here = document.currentScript ? document.currentScript.src : "";
  var loading = {}; // script address -> promise

  function load(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = function () { reject(new Error("could not load " + src)); };
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }

  // The page's colours, read from the theme's own custom properties (pydata-sphinx-theme).
  function pageColours() {
    var root = document.documentElement;
    var css = getComputedStyle(root);
    var dark = root.getAttribute("data-theme") === "dark";
    function value(name, fallback) {
      return css.getPropertyValue(name).trim() || fallback;
    }
    return {
      dark: dark,
      text: value("--pst-color-text-base", dark ? "#ced6dd" : "#222832"),
      line: value("--pst-color-text-muted", dark ? "#9ca4af" : "#48566b"),
      grid: value("--pst-color-border", dark ? "#48566b" : "#d1d5da"),
      background: value("--pst-color-background", dark ? "#14181e" : "#ffffff"),
    };
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      if (isObject(source[key]) && isObject(target[key])) merge(target[key], source[key]);
      else target[key] = source[key];
    });
    return target;
  }

  // Every view of the spec that has encodings: the spec itself, its layers, a facet's inner spec.
  function views(spec, found) {
    found = found || [];
    if (!isObject(spec)) return found;
    if (spec.encoding || spec.mark) found.push(spec);
    (spec.layer || []).forEach(function (s) { views(s, found); });
    if (spec.spec) views(spec.spec, found);
    ["concat", "hconcat", "vconcat"].forEach(function (key) {
      (spec[key] || []).forEach(function (s) { views(s, found); });
    });
    return found;
  }

  function themeConfig(colours) {
    var text = { labelColor: colours.text, titleColor: colours.text };
    return {
      axis: merge({ domainColor: colours.line, tickColor: colours.line, gridColor: colours.grid }, text),
      legend: merge({ symbolFillColor: colours.line }, text), // a size legend's circles, visible on either page
      header: merge({}, text),
      title: { color: colours.text, subtitleColor: colours.text },
      text: { color: colours.text },
      rule: { color: colours.text },
    };
  }

  // A hex colour mixed with white: on a dark page the book's darkest blues (evidence types) and black
  // would barely show. Every colour of a scale is lightened by the same share, so their order (darker:
  // stronger evidence) and the legend stay as they are. The CSS does the same to the static chart.
  function lighter(colour) {
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour);
    if (!hex) return colour;
    var digits = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
    return "#" + [0, 2, 4].map(function (i) {
      var value = Math.round(parseInt(digits.substr(i, 2), 16) * (1 - DARK_MIX) + 255 * DARK_MIX);
      return (value < 16 ? "0" : "") + value.toString(16);
    }).join("");
  }

  function lightenScales(spec) {
    views(spec).forEach(function (view) {
      var encoding = view.encoding || {};
      Object.keys(encoding).forEach(function (channel) {
        var scale = isObject(encoding[channel]) && encoding[channel].scale;
        if (isObject(scale) && Array.isArray(scale.range)) scale.range = scale.range.map(lighter);
      });
    });
    var range = spec.config && spec.config.range;
    if (isObject(range) && Array.isArray(range.category)) range.category = range.category.map(lighter);
  }

  // The layout to draw at `width` in `colours`: a copy of the build's, fitted to the width. A facet's
  // panels share what its labels leave: `panel` is their width once a drawing has measured it.
  function fit(laidOut, width, colours, panel) {
    var spec = JSON.parse(JSON.stringify(laidOut));
    var meta = (spec.usermeta || {}).kbLayout || {};
    spec.config = merge(spec.config || {}, themeConfig(colours));
    if (colours.dark) lightenScales(spec);
    views(spec).forEach(function (view) {
      // Segments of a stacked bar are parted by the page's colour, not by white.
      if (isObject(view.mark) && view.mark.stroke === "white") view.mark.stroke = colours.background;
    });
    if ((spec.usermeta || {}).kbFixedSize) return spec;
    if (spec.spec) spec.spec.width = panel || Math.max(MIN_PANEL, width - (meta.labelSpace || width * 0.5) - 40);
    else spec.width = width;
    return spec;
  }

  function Chart(figure, container) {
    this.figure = figure;
    this.container = container;
    this.specs = null;
    this.drawn = ""; // the width and colours of the chart on screen
    this.result = null;
    this.pending = 0;
  }

  Chart.prototype.draw = function () {
    var width = Math.floor(this.container.clientWidth);
    if (!width || !this.specs) return; // hidden: drawn when it shows (its width changes)
    var colours = pageColours();
    var key = width + (colours.dark ? " dark" : " light");
    if (key === this.drawn) return;
    this.drawn = key;
    this.container.setAttribute("data-kb-drawing", key); // until the drawing is on screen (tests wait for it)
    this.attempt(width, colours, width < NARROW_BELOW ? "narrow" : "wide", null, 4, ++this.pending);
  };

  // Draws, then checks the width: a facet chart of the wrong width is drawn again with its panels
  // corrected, and one whose labels leave its panels no room takes the narrow layout.
  Chart.prototype.attempt = function (width, colours, layout, panel, tries, token) {
    var self = this;
    var spec = fit(this.specs[layout], width, colours, panel);
    var target = document.createElement("div");
    target.className = "kb-chart-live";
    var options = { actions: false, renderer: "svg", tooltip: { theme: colours.dark ? "dark" : "light" } };
    window
      .vegaEmbed(target, spec, options)
      .then(function (result) {
        if (token !== self.pending) return result.finalize(); // a newer drawing is on its way
        var svg = target.querySelector("svg");
        var drawnWidth = svg ? parseFloat(svg.getAttribute("width")) : 0;
        if (spec.spec && !(spec.usermeta || {}).kbFixedSize && Math.abs(drawnWidth - width) > 1 && tries > 1) {
          result.finalize();
          var inner = spec.spec.width + (width - drawnWidth);
          if (inner < MIN_PANEL && layout === "wide") return self.attempt(width, colours, "narrow", null, 4, token);
          return self.attempt(width, colours, layout, Math.max(60, inner), tries - 1, token);
        }
        if (self.result) self.result.finalize();
        self.result = result;
        self.container.replaceChildren(target);
        self.container.classList.add("kb-chart-drawn");
        self.container.setAttribute("data-kb-drawn", self.drawn);
        self.container.removeAttribute("data-kb-drawing");
      })
      .catch(function (err) { self.failed(err); });
  };

  Chart.prototype.failed = function (err) {
    this.container.classList.add("kb-chart-failed");
    this.container.removeAttribute("data-kb-drawing");
    if (window.console) console.warn("chart not drawn:", err);
  };

  // Loads what the interactive chart needs (once per page), then draws it.
  Chart.prototype.start = function () {
    var self = this;
    if (this.started) return this.started;
    var specScript = this.figure.querySelector("script.kb-chart-spec");
    var name = specScript.getAttribute("data-kb-chart");
    var button = this.figure.querySelector(".kb-chart-explore");
    if (button) button.hidden = true;
    this.container.setAttribute("data-kb-drawing", "loading");
    var specs = load(specScript.getAttribute("data-src")).then(function () { return (window.kbChartSpecs || {})[name]; });
    this.started = Promise.all([load(here.replace(/kbcharts\.js(\?.*)?$/, "vega-bundle.js")), specs])
      .then(function (loaded) {
        if (!loaded[1] || typeof window.vegaEmbed !== "function") throw new Error("no specs for chart " + name);
        self.specs = loaded[1];
        self.container.removeAttribute("data-kb-drawing");
        self.draw();
      })
      .catch(function (err) { self.failed(err); });
    return this.started;
  };

  function setUp() {
    var charts = [];
    document.querySelectorAll(".kb-figure").forEach(function (figure) {
      var container = figure.querySelector(".kb-chart");
      if (!container || !figure.querySelector("script.kb-chart-spec")) return;
      var chart = new Chart(figure, container);
      charts.push(chart);
      var button = figure.querySelector(".kb-chart-explore");
      if (button) {
        button.hidden = false;
        button.addEventListener("click", function () { chart.start(); });
      }
    });
    function redraw() {
      charts.forEach(function (chart) { chart.draw(); });
    }
    // The theme's switcher (and the system's preference, in auto mode) sets data-theme on <html>.
    new MutationObserver(redraw).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    if (typeof ResizeObserver === "function") {
      var timer = 0;
      var observer = new ResizeObserver(function () {
        clearTimeout(timer);
        timer = setTimeout(redraw, 150);
      });
      charts.forEach(function (chart) { observer.observe(chart.container); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
