/* The glossary one letter at a time on screen (publish/templates/glossary_letters.html): the whole list
 * is about 35,000 px tall, a letter at most a few thousand. The other letters' terms are hidden "until
 * found", so the browser's find-in-page still finds them (and shows their letter); a button shows every
 * term; a link to a term (from any page) shows its letter. Print shows every term (evidencebook.css), and
 * without this script the page is the whole list. */
(function () {
  "use strict";

  // The letter a term is listed under: its first letter or digit (quotes and other marks skipped).
  function initial(text) {
    var match = /[A-Za-z0-9]/.exec(text);
    if (!match) return "#";
    return /[0-9]/.test(match[0]) ? "0–9" : match[0].toUpperCase();
  }

  function init(bar) {
    var list = document.querySelector("dl.glossary");
    if (!list) return;
    // An entry is its names (one <dt> each) and its definition (<dd>); it takes its first name's letter.
    var groups = {};
    var letter = null;
    Array.prototype.slice.call(list.children).forEach(function (element) {
      var previous = element.previousElementSibling;
      if (element.tagName === "DT" && (!previous || previous.tagName !== "DT")) letter = initial(element.textContent);
      if (letter === null) return;
      (groups[letter] = groups[letter] || []).push(element);
    });
    var letters = Object.keys(groups).sort(function (a, b) {
      var digitsA = a === "0–9" || a === "#", digitsB = b === "0–9" || b === "#";
      return digitsA !== digitsB ? (digitsA ? 1 : -1) : a.localeCompare(b);
    });
    if (letters.length < 2) return;

    var buttons = {};
    var next = document.createElement("p");
    next.className = "kb-glossary-next";
    var nextButton = document.createElement("button");
    nextButton.type = "button";
    next.appendChild(nextButton);
    list.parentNode.insertBefore(next, list.nextSibling);
    var shown = null;

    function letterOf(element) {
      for (var i = 0; i < letters.length; i += 1) if (groups[letters[i]].indexOf(element) >= 0) return letters[i];
      return null;
    }

    function show(chosen) {
      shown = chosen;
      letters.forEach(function (l) {
        groups[l].forEach(function (element) {
          if (chosen === null || l === chosen) element.removeAttribute("hidden");
          else element.setAttribute("hidden", "until-found");
        });
      });
      Object.keys(buttons).forEach(function (l) { buttons[l].setAttribute("aria-pressed", String(l === chosen)); });
      all.setAttribute("aria-pressed", String(chosen === null));
      var after = chosen === null ? null : letters[letters.indexOf(chosen) + 1];
      next.hidden = !after;
      if (after) nextButton.textContent = "Next letter: " + after;
    }

    letters.forEach(function (l) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = l;
      button.setAttribute("aria-label", l === "0–9" ? "Terms beginning with a digit" : "Terms beginning with " + l);
      button.addEventListener("click", function () { show(l); });
      buttons[l] = button;
      bar.appendChild(button);
    });
    var all = document.createElement("button");
    all.type = "button";
    all.className = "kb-glossary-all";
    all.textContent = "All terms";
    all.addEventListener("click", function () { show(null); });
    bar.appendChild(all);

    nextButton.addEventListener("click", function () {
      var after = letters[letters.indexOf(shown) + 1];
      show(after);
      groups[after][0].scrollIntoView();
      buttons[after].focus({ preventScroll: true });
    });

    // Find-in-page revealed a hidden term: show its letter with it.
    list.addEventListener("beforematch", function (event) {
      var found = letterOf(event.target);
      if (found) window.setTimeout(function () { show(found); }, 0);
    });

    // A link to a term shows the term's letter and scrolls to it.
    function openTarget() {
      var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
      var found = target && letterOf(target);
      if (found && found !== shown && shown !== null) {
        show(found);
        target.scrollIntoView();
      }
    }
    window.addEventListener("hashchange", openTarget);
    bar.hidden = false;
    show(letters[0]);
    openTarget();
  }

  function start() {
    document.querySelectorAll('[data-kb-module="glossary"]').forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
