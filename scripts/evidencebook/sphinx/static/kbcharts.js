// Draws every chart on the page from its Vega-Lite spec (data-kb-spec), with the book's own
// vendored Vega bundle. The static SVG inside the container stays when drawing fails.
(function () {
  "use strict";
  function draw(container) {
    var spec;
    try {
      spec = JSON.parse(container.getAttribute("data-kb-spec"));
    } catch (err) {
      return;
    }
    var target = document.createElement("div");
    target.className = "kb-chart-live";
    window
      .vegaEmbed(target, spec, { actions: false, renderer: "svg", tooltip: true })
      .then(function () {
        container.replaceChildren(target);
        container.classList.add("kb-chart-drawn");
      })
      .catch(function (err) {
        container.classList.add("kb-chart-failed");
        if (window.console) console.warn("chart not drawn:", err);
      });
  }
  function drawAll() {
    if (typeof window.vegaEmbed !== "function") return;
    document.querySelectorAll(".kb-chart[data-kb-spec]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
