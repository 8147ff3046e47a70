// Draws every chart on the page from its Vega-Lite spec (the JSON script beside it, script.kb-chart-spec)
// with the book's own vendored Vega bundle. A chart is drawn at its container's width, never scaled down (so its text keeps the
// size it is given), in the page's colours, and drawn again when the reader switches between light and
// dark or the container changes width. In a narrow container it takes a narrow layout: long labels
// wrapped, legends below and listed down, facet headers above their panel, titles wrapped.
// The static SVG inside the container stays when drawing fails.
(function () {
  "use strict";
  var NARROW = 560; // CSS px: a container narrower than this gets the narrow layout
  var FONT = 12; // labels, legends, headers and titles, CSS px (text marks keep theirs, at least 11)
  var EM = 0.58; // the average width of a character, in ems, to wrap text before Vega measures it
  var LINE = 15; // CSS px between the lines of a wrapped label
  var DARK_MIX = 0.35; // the share of white mixed into a chart's colours on a dark page
  var SYMBOL_CHANNELS = ["color", "fill", "stroke", "shape", "size", "opacity"];

  // Text cut into lines of at most `chars` characters, at spaces (a longer word keeps its line).
  function wrap(text, chars) {
    text = text == null ? "" : String(text);
    if (text.length <= chars) return text;
    var lines = [];
    var line = "";
    text.split(/\s+/).forEach(function (word) {
      if (line && (line + " " + word).length > chars) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) lines.push(line);
    return lines.length > 1 ? lines : text;
  }

  // The same wrapping as a Vega expression, for labels Vega computes (the bundle does not expose Vega,
  // so no function of ours can be registered): a line break after the longest run of up to `chars`
  // characters that ends at a space, then the lines as an array, which Vega draws one under another.
  function wrapExpression(chars) {
    return "split(trim(replace(datum.label, regexp('(.{1," + chars + "})( +|$)', 'g'), '$1\\n')), '\\n')";
  }

  function lineCount(text, chars) {
    var wrapped = wrap(text, chars);
    return Array.isArray(wrapped) ? wrapped.length : 1;
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
    var text = { labelColor: colours.text, titleColor: colours.text, labelFontSize: FONT, titleFontSize: FONT };
    return {
      axis: merge({ domainColor: colours.line, tickColor: colours.line, gridColor: colours.grid }, text),
      legend: merge({ symbolFillColor: colours.line }, text), // a size legend's circles, visible on either page
      header: merge({}, text),
      title: { color: colours.text, subtitleColor: colours.text, fontSize: FONT + 2, subtitleFontSize: FONT },
      text: { color: colours.text },
      rule: { color: colours.text },
      view: { stroke: null },
    };
  }

  // A hex colour mixed with white: on a dark page the book's darkest blues (evidence types) and black
  // would barely show. Every colour of a scale is lightened by the same share, so their order (darker:
  // stronger evidence) and the legend stay as they are.
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

  // Every value a field takes in the spec's data (altair puts the data in top-level `datasets`).
  function fieldValues(spec, field) {
    var values = [];
    var datasets = spec.datasets || {};
    Object.keys(datasets).forEach(function (name) {
      (datasets[name] || []).forEach(function (row) {
        if (row && row[field] != null) values.push(row[field]);
      });
    });
    return values;
  }

  function wrapTitle(title, chars, subtitleChars) {
    function lines(text, n) {
      return [].concat(text).reduce(function (all, line) { return all.concat(wrap(line, n)); }, []);
    }
    if (typeof title === "string" || Array.isArray(title)) return lines(title, chars);
    if (isObject(title)) {
      if (title.text != null) title.text = lines(title.text, chars);
      if (title.subtitle != null) title.subtitle = lines(title.subtitle, subtitleChars);
    }
    return title;
  }

  // The narrow layout, in place: wrapped axis labels (and rows tall enough for them), legends below the
  // chart listed down, facet headers above their panel and one facet per row.
  function narrow(spec, width) {
    var chars = Math.max(12, Math.floor((width * 0.42) / (FONT * EM)));
    var labelLimit = Math.floor(width * 0.5);
    var rows = 1;
    // An x axis any layer slants (the layers share it).
    var slanted = views(spec).some(function (view) {
      var x = view.encoding && view.encoding.x;
      return isObject(x) && isObject(x.axis) && x.axis.labelAngle;
    });
    views(spec).forEach(function (view) {
      var encoding = view.encoding || {};
      ["x", "y"].forEach(function (channel) {
        var def = encoding[channel];
        if (isObject(def) && typeof def.title === "string") def.title = wrap(def.title, chars);
        if (isObject(def) && def.type === "quantitative" && def.axis !== null) {
          // Fewer ticks on a short axis, and a label that would touch its neighbour left out.
          def.axis = merge(def.axis || {}, { labelOverlap: "greedy", labelSeparation: 6, tickCount: channel === "x" ? 4 : 6 });
          if (isObject(def.scale) && def.scale.type === "log") def.axis.format = "~s"; // 10k, 1M: short enough to fit
        }
        if (!isObject(def) || def.axis === null || (def.type !== "nominal" && def.type !== "ordinal")) return;
        if (channel === "x" && slanted) {
          // Slanted labels stand upright, one line each: wrapped, they would run into each other.
          def.axis = merge(def.axis || {}, { labelAngle: -90, labelLimit: Math.min(200, labelLimit + 30) });
          return;
        }
        def.axis = merge(def.axis || {}, { labelExpr: wrapExpression(chars), labelLimit: labelLimit, labelLineHeight: LINE });
        if (channel === "y" && def.field) {
          fieldValues(spec, def.field).forEach(function (value) {
            rows = Math.max(rows, lineCount(value, chars));
          });
        }
      });
      SYMBOL_CHANNELS.forEach(function (channel) {
        var def = encoding[channel];
        if (!isObject(def) || def.legend === null || !def.field) return;
        var gradient = def.type === "quantitative" && channel !== "size" && channel !== "shape";
        // A legend below the chart starts where the plot does, after the labels of the y axis.
        def.legend = merge(def.legend || {}, {
          orient: "bottom", labelExpr: wrapExpression(Math.floor(chars * 0.9)), labelLimit: labelLimit - 30, titleLimit: labelLimit,
        });
        if (!gradient) def.legend.direction = "vertical";
      });
    });
    var inner = spec.spec || spec;
    if (rows > 1 && typeof inner.height !== "number") inner.height = { step: rows * LINE + 6 };
    var row = spec.facet && spec.facet.row;
    if (isObject(row)) {
      row.header = merge(row.header || {}, { labelOrient: "top", labelAnchor: "start", labelAngle: 0, labelLimit: width - 20 });
    }
    if (spec.columns) spec.columns = 1;
    return labelLimit;
  }

  // The spec to draw at `width` in `colours`: a copy of the chart's own, never the original.
  function layout(original, width, colours, innerWidth, compact) {
    var spec = JSON.parse(JSON.stringify(original));
    var fixed = isObject(spec.usermeta) && spec.usermeta.kbFixedSize; // drawn at its own size (the tile map)
    spec.config = merge(spec.config || {}, themeConfig(colours));
    spec.background = "transparent";
    if (colours.dark) lightenScales(spec);
    views(spec).forEach(function (view) {
      // Segments of a stacked bar are parted by the page's colour, not by white.
      if (isObject(view.mark) && view.mark.stroke === "white") view.mark.stroke = colours.background;
    });
    var labelSpace = width < NARROW || compact ? narrow(spec, width) : 0;
    // Vega never wraps a title: lines longer than the chart would widen it.
    if (spec.title != null) spec.title = wrapTitle(spec.title, Math.floor((width - 10) / ((FONT + 2) * 0.66)), Math.floor((width - 10) / (FONT * EM)));
    if (fixed) return spec;
    if (spec.facet || spec.repeat) {
      spec.spec.width = innerWidth || Math.max(120, width - (labelSpace || width * 0.5) - 40);
    } else {
      spec.width = width;
      spec.autosize = { type: "fit-x", contains: "padding" };
      roomForLabels(spec, overhang(spec));
    }
    return spec;
  }

  // How far labels written after the end of a bar (text marks aligned left) reach past it.
  function overhang(spec) {
    var widest = 0;
    views(spec).forEach(function (view) {
      var mark = isObject(view.mark) ? view.mark : { type: view.mark };
      var text = view.encoding && view.encoding.text;
      if (mark.type !== "text" || mark.align !== "left" || !isObject(text) || !text.field) return;
      var size = mark.fontSize || 11;
      fieldValues(spec, text.field).forEach(function (value) {
        widest = Math.max(widest, String(value).length * size * 0.6 + (mark.dx || 0));
      });
    });
    return Math.ceil(widest);
  }

  // Vega fits axes, legends and titles into the width, not marks: labels after the longest bar would
  // be cut off at the edge. The x scale stops short of the plot's end by as much as they need.
  function roomForLabels(spec, room) {
    if (!room) return;
    views(spec).forEach(function (view) {
      var x = view.encoding && view.encoding.x;
      if (isObject(x) && x.type === "quantitative") x.scale = merge(x.scale || {}, { range: [0, { expr: "width - " + room }] });
    });
  }

  // Vega draws a label's first line level with its tick and the others below it. On a left or right
  // axis, a wrapped label moves up by half its extra lines, so it is centred on its bar (applied to the
  // compiled Vega spec, where a label's position can depend on its text).
  function centreWrappedLabels(vgSpec, narrowLayout) {
    // Legends below a narrow chart go one under another, from its left edge, not side by side.
    if (narrowLayout) vgSpec.config = merge(vgSpec.config || {}, { legend: { layout: { bottom: { direction: "vertical", anchor: "start" } } } });
    (function visit(node) {
      if (Array.isArray(node)) return node.forEach(visit);
      if (!isObject(node)) return;
      (node.axes || []).forEach(function (axis) {
        var update = axis.encode && axis.encode.labels && axis.encode.labels.update;
        var text = update && update.text && update.text.signal;
        if ((axis.orient === "left" || axis.orient === "right") && text && text.indexOf("regexp(") >= 0) {
          update.dy = { signal: "-(length(" + text + ") - 1) * " + LINE / 2 };
        }
      });
      (node.marks || []).forEach(visit);
    })(vgSpec);
    return vgSpec;
  }

  function Chart(container, specScript) {
    this.container = container;
    this.spec = JSON.parse(specScript.textContent);
    this.drawn = ""; // the width and colours of the chart on screen
    this.result = null;
    this.pending = 0;
  }

  Chart.prototype.draw = function () {
    var width = Math.floor(this.container.clientWidth);
    if (!width) return; // hidden: drawn when it shows (its width changes)
    var colours = pageColours();
    var key = width + (colours.dark ? " dark" : " light");
    if (key === this.drawn) return;
    this.drawn = key;
    this.container.setAttribute("data-kb-drawing", key); // until the drawing is on screen (tests wait for it)
    this.attempt(width, colours, null, 4, ++this.pending);
  };

  // Draws, then checks the width: a facet's panels share what its labels leave, which Vega only knows
  // once it has measured them, so a facet chart of the wrong width is drawn again, to the container's.
  Chart.prototype.attempt = function (width, colours, innerWidth, tries, token, compact) {
    var self = this;
    var spec = layout(this.spec, width, colours, innerWidth, compact);
    var target = document.createElement("div");
    target.className = "kb-chart-live";
    var options = { actions: false, renderer: "svg", tooltip: { theme: colours.dark ? "dark" : "light" } };
    options.patch = function (vgSpec) { return centreWrappedLabels(vgSpec, width < NARROW); };
    window
      .vegaEmbed(target, spec, options)
      .then(function (result) {
        if (token !== self.pending) return result.finalize(); // a newer drawing is on its way
        var svg = target.querySelector("svg");
        var drawnWidth = svg ? parseFloat(svg.getAttribute("width")) : 0;
        if (spec.spec && Math.abs(drawnWidth - width) > 1 && tries > 1) {
          result.finalize();
          var inner = spec.spec.width + (width - drawnWidth);
          // Labels too wide to leave the panels room: the narrow layout (wrapped labels, headers above).
          if (inner < 120 && !compact) return self.attempt(width, colours, null, 4, token, true);
          return self.attempt(width, colours, Math.max(60, inner), tries - 1, token, compact);
        }
        if (self.result) self.result.finalize();
        self.result = result;
        self.container.replaceChildren(target);
        self.container.classList.add("kb-chart-drawn");
        self.container.setAttribute("data-kb-drawn", self.drawn);
        self.container.removeAttribute("data-kb-drawing");
      })
      .catch(function (err) {
        self.container.classList.add("kb-chart-failed");
        self.container.removeAttribute("data-kb-drawing");
        if (window.console) console.warn("chart not drawn:", err);
      });
  };

  function drawAll() {
    if (typeof window.vegaEmbed !== "function") return;
    var charts = [];
    document.querySelectorAll(".kb-figure").forEach(function (figure) {
      var container = figure.querySelector(".kb-chart");
      var specScript = figure.querySelector("script.kb-chart-spec");
      if (!container || !specScript) return;
      try {
        charts.push(new Chart(container, specScript));
      } catch (err) {
        // an unreadable spec: the static SVG stays
      }
    });
    charts.forEach(function (chart) { chart.draw(); });
    // The theme's switcher (and the system's preference, in auto mode) sets data-theme on <html>.
    new MutationObserver(function () {
      charts.forEach(function (chart) { chart.draw(); });
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
    if (typeof ResizeObserver === "function") {
      var timer = 0;
      var observer = new ResizeObserver(function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          charts.forEach(function (chart) { chart.draw(); });
        }, 150);
      });
      charts.forEach(function (chart) { observer.observe(chart.container); });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
