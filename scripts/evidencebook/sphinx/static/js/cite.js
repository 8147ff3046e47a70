/* "Cite this page" (publish/templates/cite_this.html): writes the reader's date into the reference as
 * the access date, and shows a button that copies the reference (as text, and as HTML so that a word
 * processor keeps the title in italics). Without this script the reference is there to select, with
 * the build's date. Nothing is sent anywhere. */
(function () {
  "use strict";

  function today() {
    return new Date().toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric" });
  }

  function copy(text, html) {
    var clipboard = navigator.clipboard;
    if (!clipboard) return Promise.reject(new Error("no clipboard"));
    if (window.ClipboardItem && clipboard.write) {
      var item = new window.ClipboardItem({
        "text/plain": new Blob([text], { type: "text/plain" }),
        "text/html": new Blob([html], { type: "text/html" })
      });
      return clipboard.write([item]).catch(function () { return clipboard.writeText(text); });
    }
    return clipboard.writeText(text);
  }

  function select(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function init(section) {
    var reference = section.querySelector(".kb-cite-ref");
    var accessed = section.querySelector(".kb-cite-accessed");
    var button = section.querySelector(".kb-cite-copy");
    var status = section.querySelector(".kb-cite-status");
    if (!reference) return;
    if (accessed) accessed.textContent = today();
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = reference.textContent.replace(/\s+/g, " ").trim();
      copy(text, reference.innerHTML).then(
        function () { status.textContent = "Copied the reference."; },
        function () {
          select(reference);
          status.textContent = "Selected: press Ctrl+C (or \u2318C) to copy.";
        }
      );
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".kb-cite"), init);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
