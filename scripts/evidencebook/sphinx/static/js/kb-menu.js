// The menu button (sphinx-book-theme's .primary-toggle) says what it is and whether the menu is open,
// and the navigation's toggles of sub-pages say what they open.
// The theme gives it no name but its tooltip ("Toggle primary sidebar") and no aria-expanded; below
// 992 px it opens the site navigation as a dialog (pydata-sphinx-theme), above it hides or shows the
// sidebar (sphinx-book-theme). aria-expanded follows both, whatever opened or closed them (the button,
// Escape, a click outside the dialog, a change of width).
(function () {
  "use strict";
  var NAME = "Menu";
  var WIDE = window.matchMedia("(min-width: 992px)");

  // The theme's toggles of a chapter's sub-pages (<summary> holding only an icon) have no name: name each
  // after its chapter, so a screen reader says what it opens.
  function nameSubpageToggles() {
    document.querySelectorAll(".bd-sidenav li.has-children > details > summary").forEach(function (summary) {
      var link = summary.parentElement.previousElementSibling;
      if (link && !summary.hasAttribute("aria-label")) {
        summary.setAttribute("aria-label", "Pages of " + link.textContent.trim());
      }
    });
  }

  function start() {
    nameSubpageToggles();
    var buttons = document.querySelectorAll(".primary-toggle");
    var dialog = document.getElementById("pst-primary-sidebar-modal");
    var sidebar = document.getElementById("pst-primary-sidebar");
    if (!buttons.length || !sidebar) return;

    function update() {
      var open = WIDE.matches ? !sidebar.classList.contains("pst-sidebar-hidden") : !!(dialog && dialog.open);
      var controls = WIDE.matches || !dialog ? sidebar.id : dialog.id;
      buttons.forEach(function (button) {
        button.setAttribute("aria-label", NAME);
        if (button.hasAttribute("title")) button.setAttribute("title", NAME);
        if (button.hasAttribute("data-bs-original-title")) button.setAttribute("data-bs-original-title", NAME);
        button.setAttribute("aria-controls", controls);
        button.setAttribute("aria-expanded", String(open));
      });
    }

    var watch = new MutationObserver(update);
    watch.observe(sidebar, { attributes: true, attributeFilter: ["class"] });
    if (dialog) watch.observe(dialog, { attributes: true, attributeFilter: ["open"] });
    WIDE.addEventListener("change", update);
    update();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
