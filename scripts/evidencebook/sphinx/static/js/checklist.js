/* The integration checklist as a self-assessment tool (chapters/checklist).
 *
 * The page already works without this script: a plain list with radio buttons that can be set and
 * printed. This adds live summaries per theme and area, saving the assessment as a JSON file and
 * loading it back, each item's own list of lessons, an action plan, a print button, one theme at a time
 * on screen and, if the reader allows it, keeping the answers in this browser (localStorage). Nothing is
 * sent anywhere: there is no network code here at all.
 */
(function () {
  "use strict";

  var FORMAT = "evidencebook-checklist";
  var VERSION = 1;
  var STATUSES = ["not-started", "in-development", "in-place"];
  var DEFAULT_STATUS = "not-started";

  function init(marker) {
    // The marker holds the tools; the checklist is the page section around it (its themes are sections too).
    var root = marker.closest("section") || document.body;
    var checklistId = marker.getAttribute("data-checklist-id");
    var storageKey = "evidencebook:checklist:" + checklistId;
    var storageOffKey = storageKey + ":off";
    var tools = root.querySelector(".kb-checklist-tools");
    var message = root.querySelector(".kb-checklist-message");
    var partnership = root.querySelector(".kb-checklist-partnership");
    var remember = root.querySelector(".kb-checklist-remember");
    var fileInput = root.querySelector(".kb-checklist-load");
    var items = Array.prototype.slice.call(root.querySelectorAll(".kb-checklist-item"));
    var itemIds = items.map(function (li) { return li.getAttribute("data-item-id"); });

    function statusOf(li) {
      var checked = li.querySelector("input[type=radio]:checked");
      return checked ? checked.value : DEFAULT_STATUS;
    }

    function setStatus(li, status) {
      var radio = li.querySelector('input[type=radio][value="' + status + '"]');
      if (radio) radio.checked = true;
    }

    function itemsIn(scope) {
      if (scope === "all") return items;
      // Each area's items sit in a block marked with its area and theme (the headings between are the page's own).
      var selector = '[data-theme-id="' + scope + '"] .kb-checklist-item, [data-area-id="' + scope + '"] .kb-checklist-item';
      return Array.prototype.slice.call(root.querySelectorAll(selector));
    }

    function summaryText(list) {
      var counts = { "not-started": 0, "in-development": 0, "in-place": 0 };
      list.forEach(function (li) { counts[statusOf(li)] += 1; });
      var share = list.length ? Math.round((100 * counts["in-place"]) / list.length) : 0;
      return "In place: " + counts["in-place"] + " of " + list.length + " (" + share + "%). " +
        "In development: " + counts["in-development"] + ". Not started: " + counts["not-started"] + ".";
    }

    function updateSummaries() {
      items.forEach(function (li) { li.setAttribute("data-status", statusOf(li)); });
      root.querySelectorAll("[data-summary-for]").forEach(function (el) {
        var scope = el.getAttribute("data-summary-for");
        var text = (scope === "all" ? "Whole checklist. " : "") + summaryText(itemsIn(scope));
        if (el.textContent !== text) el.textContent = text; // unchanged regions stay quiet for screen readers
      });
    }

    function say(text) {
      message.textContent = text;
    }

    function assessment() {
      var statuses = {};
      items.forEach(function (li) { statuses[li.getAttribute("data-item-id")] = statusOf(li); });
      return {
        format: FORMAT,
        version: VERSION,
        checklist: checklistId,
        partnership: partnership.value,
        saved: new Date().toISOString(),
        statuses: statuses
      };
    }

    /* Apply a saved assessment; returns a sentence saying what was loaded, or throws an Error to show. */
    function apply(data) {
      if (!data || typeof data !== "object" || data.format !== FORMAT || typeof data.statuses !== "object" || data.statuses === null) {
        throw new Error("This file is not a saved checklist assessment from this book.");
      }
      if (data.checklist !== checklistId) {
        throw new Error("This file is an assessment of another checklist (" + String(data.checklist) + ").");
      }
      var unknown = Object.keys(data.statuses).filter(function (id) { return itemIds.indexOf(id) < 0; });
      var invalid = Object.keys(data.statuses).filter(function (id) { return STATUSES.indexOf(data.statuses[id]) < 0; });
      if (invalid.length) {
        throw new Error("The file gives statuses that are not allowed for: " + invalid.slice(0, 5).join(", ") + ".");
      }
      var missing = 0;
      items.forEach(function (li) {
        var id = li.getAttribute("data-item-id");
        if (Object.prototype.hasOwnProperty.call(data.statuses, id)) {
          setStatus(li, data.statuses[id]);
        } else {
          setStatus(li, DEFAULT_STATUS);
          missing += 1;
        }
      });
      partnership.value = typeof data.partnership === "string" ? data.partnership : "";
      updateSummaries();
      var note = "";
      if (missing) note += " " + missing + " item(s) were not in the file and are set to not started.";
      if (unknown.length) note += " " + unknown.length + " item(s) in the file are not in this checklist and were ignored.";
      var when = typeof data.saved === "string" && data.saved ? " saved on " + data.saved.slice(0, 10) : "";
      return "Loaded the assessment" + when + "." + note;
    }

    function store() {
      if (!remember.checked) return;
      try {
        window.localStorage.setItem(storageKey, JSON.stringify(assessment()));
      } catch (e) {
        /* storage may be full or switched off; the file download still works */
      }
    }

    function restore() {
      try {
        if (window.localStorage.getItem(storageOffKey) === "1") {
          remember.checked = false;
          return;
        }
        var text = window.localStorage.getItem(storageKey);
        if (text) say(apply(JSON.parse(text)).replace("Loaded the assessment", "Restored your answers kept in this browser,"));
      } catch (e) {
        /* a damaged or unreadable stored copy is ignored: the reader starts afresh */
      }
    }

    function fileName() {
      var place = partnership.value.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
      return checklistId + (place ? "-" + place : "") + "-" + new Date().toISOString().slice(0, 10) + ".json";
    }

    function save() {
      var blob = new Blob([JSON.stringify(assessment(), null, 2) + "\n"], { type: "application/json" });
      var url = URL.createObjectURL(blob);
      var link = document.createElement("a");
      link.href = url;
      link.download = fileName();
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      say("Saved the assessment as " + link.download + " (in your downloads folder).");
    }

    /* An item's own lessons (the lessons on its factors). The page writes each lesson once per area that
     * lists it, and the few no area lists once in a <template>; each carries its key (data-lesson), and an
     * item names the keys of its lessons (data-lessons), so its list is built here from those. */
    var lessonsByKey = null;

    function lessonByKey(key) {
      if (!lessonsByKey) {
        lessonsByKey = {};
        var found = Array.prototype.slice.call(root.querySelectorAll(".kb-checklist-lesson[data-lesson]:not([data-ref])"));
        root.querySelectorAll("template.kb-checklist-lesson-pool").forEach(function (pool) {
          found = found.concat(Array.prototype.slice.call(pool.content.querySelectorAll(".kb-checklist-lesson[data-lesson]")));
        });
        found.forEach(function (el) {
          var k = el.getAttribute("data-lesson");
          if (!Object.prototype.hasOwnProperty.call(lessonsByKey, k)) lessonsByKey[k] = el;
        });
      }
      return Object.prototype.hasOwnProperty.call(lessonsByKey, key) ? lessonsByKey[key] : null;
    }

    function copyOf(lesson) {
      var copy = lesson.cloneNode(true);
      copy.removeAttribute("id"); // the page's link to a lesson leads to the one written in full
      return copy;
    }

    // A later area gives a lesson an earlier area lists in full as a link to it: put the lesson itself there.
    root.querySelectorAll(".kb-checklist-lesson[data-ref]").forEach(function (ref) {
      var full = lessonByKey(ref.getAttribute("data-lesson"));
      if (full) ref.replaceWith(copyOf(full));
    });

    function ownLessons(details) {
      return (details.getAttribute("data-lessons") || "").split(" ").filter(Boolean).map(lessonByKey).filter(Boolean);
    }

    // Opening an item's "Lessons that may help" shows its own list in place of the pointer to its factors.
    function showOwnLessons(details) {
      if (!details.open || details.getAttribute("data-shown") === "1") return;
      var list = document.createElement("ul");
      list.className = "kb-lessons";
      ownLessons(details).forEach(function (el) { list.appendChild(copyOf(el)); });
      var more = parseInt(details.getAttribute("data-more") || "0", 10);
      if (more > 0) {
        var li = document.createElement("li");
        li.className = "kb-more";
        var link = document.createElement("a");
        link.href = "../data/lessons.csv";
        link.textContent = "And " + more.toLocaleString("en-GB") + " more in the lessons export.";
        li.appendChild(link);
        list.appendChild(li);
      }
      Array.prototype.slice.call(details.children).forEach(function (child) {
        if (child.tagName !== "SUMMARY") child.remove();
      });
      details.appendChild(list);
      details.setAttribute("data-shown", "1");
    }

    root.querySelectorAll("details.kb-item-evidence[data-lessons]").forEach(function (details) {
      details.addEventListener("toggle", function () { showOwnLessons(details); });
      showOwnLessons(details); // one opened before this script ran
    });

    /* The action plan: every item not yet in place, with its own factors and the lessons from case studies
     * on them (for an item without factors, its area's), as Markdown or CSV, made here in the browser. */
    var STATUS_LABELS = { "not-started": "Not started", "in-development": "In development", "in-place": "In place" };

    function text(el) {
      return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
    }

    function lessonEntry(el) {
      var link = el.querySelector("a");
      return {
        type: el.getAttribute("data-type"),
        statement: text(el.querySelector(".kb-lesson-statement")),
        caseTitle: text(link),
        url: link.href, // absolute, so the plan's links work wherever it is opened
        source: text(el.querySelector(".kb-source")).replace(/^\(|\)$/g, "")
      };
    }

    function factorNames(container) {
      return Array.prototype.map.call(container.querySelectorAll("a[href*='#factor-']"), text);
    }

    function planEntries() {
      return items.filter(function (li) { return statusOf(li) !== "in-place"; }).map(function (li) {
        var area = li.closest("[data-area-id]");
        var ownFactors = li.querySelector(".kb-item-factors");
        var own = li.querySelector("details.kb-item-evidence[data-lessons]");
        var areaFactors = area.querySelector(".kb-checklist-factors");
        return {
          theme: area.getAttribute("data-theme-name"),
          area: area.getAttribute("data-area-name"),
          id: li.getAttribute("data-item-id"),
          text: text(li.querySelector(".kb-checklist-text")),
          status: STATUS_LABELS[statusOf(li)],
          factorsOf: ownFactors ? "item" : "area",
          factors: ownFactors ? factorNames(ownFactors) : areaFactors ? factorNames(areaFactors) : [],
          more: own ? parseInt(own.getAttribute("data-more") || "0", 10) : 0,
          lessons: (ownFactors ? (own ? ownLessons(own) : []) :
            Array.prototype.slice.call(area.querySelectorAll(".kb-checklist-lessons .kb-checklist-lesson"))).map(lessonEntry)
        };
      });
    }

    function md(value) {
      return String(value).replace(/[\\`*_[\]<>#|]/g, "\\$&");
    }

    function planMarkdown(entries) {
      var who = partnership.value.trim();
      var lines = ["# Action plan" + (who ? ": " + md(who) : ""), "",
        "From the integration checklist of Shifting the centre of gravity, " + new Date().toISOString().slice(0, 10) + ". " +
        entries.length + " of " + items.length + " items are not yet in place. Under each, the lessons from case studies " +
        "on its factors that may help (for an item without factors of its own, its area's).", ""];
      var lastArea = null;
      entries.forEach(function (e) {
        if (e.area !== lastArea) {
          lastArea = e.area;
          lines.push("## " + md(e.theme) + ": " + md(e.area), "");
        }
        lines.push("- [ ] " + md(e.text) + " (" + e.status + ")");
        if (e.factors.length) {
          lines.push("  - " + (e.factorsOf === "item" ? "Factors: " : "Factors (of its area): ") + e.factors.map(md).join(", "));
        }
        if (e.lessons.length) {
          lines.push("  - Lessons that may help (" + (e.lessons.length + e.more) + "):");
          e.lessons.forEach(function (l) {
            lines.push("    - " + md(l.type) + ": " + md(l.statement) + " [" + md(l.caseTitle) + "](<" + l.url + ">) (" + md(l.source) + ")");
          });
          if (e.more) lines.push("    - And " + e.more + " more in the lessons export.");
        }
      });
      return lines.join("\n") + "\n";
    }

    function csvCell(value) {
      var s = String(value);
      if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; // no cell runs as a spreadsheet formula
      return '"' + s.replace(/"/g, '""') + '"';
    }

    function planCsv(entries) {
      var rows = [["theme", "area", "item_id", "item", "status", "factors", "factors_of", "lesson_type", "lesson", "case_study", "case_study_url", "source"]];
      entries.forEach(function (e) {
        var base = [e.theme, e.area, e.id, e.text, e.status, e.factors.join("; "), e.factorsOf];
        if (!e.lessons.length) rows.push(base.concat(["", "", "", "", ""]));
        e.lessons.forEach(function (l) { rows.push(base.concat([l.type, l.statement, l.caseTitle, l.url, l.source])); });
      });
      return rows.map(function (r) { return r.map(csvCell).join(","); }).join("\r\n") + "\r\n";
    }

    function download(content, type, name) {
      var url = URL.createObjectURL(new Blob([content], { type: type }));
      var link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      return name;
    }

    function plan(format) {
      var entries = planEntries();
      var name = fileName().replace(/\.json$/, "-action-plan." + format);
      if (format === "csv") {
        download(planCsv(entries), "text/csv;charset=utf-8", name);
      } else {
        download(planMarkdown(entries), "text/markdown;charset=utf-8", name);
      }
      say("Saved an action plan for the " + entries.length + " items not yet in place as " + name + " (in your downloads folder).");
    }

    function load(file) {
      file.text().then(function (text) {
        var data;
        try {
          data = JSON.parse(text);
        } catch (e) {
          throw new Error("The file " + file.name + " is not valid JSON.");
        }
        say(apply(data));
        store();
      }).catch(function (err) {
        say("Could not load " + file.name + ": " + err.message);
      }).then(function () {
        fileInput.value = ""; // so that the same file can be loaded again
      });
    }

    root.addEventListener("change", function (event) {
      var target = event.target;
      if (target.type === "radio") {
        updateSummaries();
        store();
      } else if (target === remember) {
        try {
          if (remember.checked) {
            window.localStorage.removeItem(storageOffKey);
            store();
            say("Your answers will be kept in this browser.");
          } else {
            window.localStorage.removeItem(storageKey);
            window.localStorage.setItem(storageOffKey, "1");
            say("Your answers are no longer kept in this browser; save them as a file to keep them.");
          }
        } catch (e) {
          say("This browser does not let the page keep answers; save them as a file instead.");
        }
      } else if (target === fileInput && fileInput.files.length) {
        load(fileInput.files[0]);
      }
    });
    partnership.addEventListener("input", store);
    root.querySelector(".kb-checklist-save").addEventListener("click", save);
    root.querySelectorAll(".kb-checklist-plan").forEach(function (button) {
      button.addEventListener("click", function () { plan(button.getAttribute("data-format")); });
    });
    root.querySelector(".kb-checklist-print").addEventListener("click", function () { window.print(); });
    root.querySelector(".kb-checklist-reset").addEventListener("click", function () {
      if (!window.confirm("Set every item back to not started?")) return;
      items.forEach(function (li) { setStatus(li, DEFAULT_STATUS); });
      partnership.value = "";
      updateSummaries();
      store();
      say("Every item is set back to not started.");
    });

    // One theme at a time on screen: the whole checklist is about 21,000 px tall, a theme at most 7,500.
    // Print shows every theme (evidencebook.css hides .kb-checklist-theme-off on screens only), and
    // without this script the page is the full list.
    var themes = [];
    items.forEach(function (li) {
      var area = li.closest("[data-theme-id]");
      var id = area && area.getAttribute("data-theme-id");
      if (!id || themes.some(function (t) { return t.id === id; })) return;
      var summary = root.querySelector('[data-summary-for="' + id + '"]');
      var section = summary && summary.closest("section");
      if (section && section !== root) themes.push({ id: id, name: area.getAttribute("data-theme-name"), section: section });
    });
    var themeBar = tools.querySelector(".kb-checklist-themes");

    function themeOf(element) {
      for (var i = 0; i < themes.length; i += 1) if (themes[i].section.contains(element)) return themes[i];
      return null;
    }

    function showTheme(theme) {
      themes.forEach(function (t) {
        t.section.classList.toggle("kb-checklist-theme-off", t !== theme);
        t.button.setAttribute("aria-pressed", String(t === theme));
      });
    }

    themes.forEach(function (theme, index) {
      theme.button = document.createElement("button");
      theme.button.type = "button";
      theme.button.textContent = theme.name;
      theme.button.addEventListener("click", function () { showTheme(theme); });
      themeBar.appendChild(theme.button);
      var next = themes[index + 1];
      if (!next) return;
      var after = document.createElement("p");
      after.className = "kb-checklist-next";
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Next theme: " + next.name;
      button.addEventListener("click", function () {
        showTheme(next);
        next.section.scrollIntoView();
        next.button.focus({ preventScroll: true });
      });
      after.appendChild(button);
      theme.section.appendChild(after);
    });

    // A link into the checklist (an area, an item, an area's case studies) shows its theme, scrolls to
    // it and opens the collapsed list it points to.
    function openTarget() {
      var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
      var theme = target && themeOf(target);
      if (theme && theme.section.classList.contains("kb-checklist-theme-off")) {
        showTheme(theme);
        target.scrollIntoView();
      }
      if (target && target.tagName === "DETAILS" && root.contains(target)) target.open = true;
    }
    window.addEventListener("hashchange", openTarget);
    if (themes.length > 1) {
      themeBar.hidden = false;
      showTheme(themes[0]);
    }
    openTarget();

    tools.hidden = false;
    root.classList.add("kb-checklist-enhanced");
    restore();
    updateSummaries();
  }

  function start() {
    document.querySelectorAll('[data-kb-module="checklist"]').forEach(init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
