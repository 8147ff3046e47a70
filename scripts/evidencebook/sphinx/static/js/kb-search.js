// Three changes to Sphinx 7.4's search page (searchtools.js). The first two wrap functions that nothing
// in Sphinx's configuration reaches (upstream: https://github.com/sphinx-doc/sphinx/issues/776, open
// since 2011); the third uses the hook Sphinx offers for it (Scorer.score):
// - Numbers are searched. Sphinx indexes "231" like any word, but its search page drops every query
//   word made of digits alone, so a figure or a year finds nothing. The words are put back.
// - Snippets come from the article. Sphinx takes them from the page's [role="main"], which in this
//   theme also holds the buttons above the article, the "On this page" list and the previous/next
//   links; they are taken from the article, without the breadcrumb and the way back to the catalogue.
// - A case study's id finds its page first. Searched as words, an id ties with any page that has the
//   same words (a framework page listing that case study) and Sphinx breaks ties by title.
// And a fourth, for a page opened from disk (file://, the offline edition): Sphinx fetches each result's
// page for its snippet, which a browser refuses there (an error per result); the results are listed
// without snippets instead, and the page says why.
// Loaded on the search page only (sphinx/extension.py), deferred, so after searchtools.js and before
// it runs the query. tests/test_patches.py checks that the installed searchtools.js still has the two
// functions wrapped here; tests/test_search_browser.py that numbers are found and snippets are the body.
(function () {
  "use strict";
  if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
    DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false; // read as each result is listed
    var results = document.getElementById("search-results");
    if (results) {
      var note = document.createElement("p");
      note.className = "kb-search-offline";
      note.textContent = "Opened from disk, this page lists the pages found without a snippet of each.";
      results.parentNode.insertBefore(note, results);
    }
  }
  if (typeof Search === "undefined" || typeof Scorer === "undefined" || !Search._parseQuery || !Search.htmlToText) return;
  var FURNITURE = ".kb-breadcrumb, .kb-back, .headerlink, script, style";

  var CASE_PAGE = "cases/";
  var caseId = null; // the query, when it has the shape of a case study's id

  var parseQuery = Search._parseQuery;
  Search._parseQuery = function (query) {
    var trimmed = query.trim().toLowerCase();
    caseId = /^[a-z0-9]+(-[a-z0-9]+)+$/.test(trimmed) ? trimmed : null;
    var parsed = parseQuery(query); // [query, searchTerms, excludedTerms, highlightTerms, objectTerms]
    splitQuery(query.trim()).forEach(function (word) {
      if (/^\d+$/.test(word)) {
        parsed[1].add(word);
        parsed[3].add(word);
      }
    });
    return parsed;
  };

  var score = Scorer.score;
  Scorer.score = function (result) { // result: [docname, title, anchor, descr, score, filename]
    var base = score ? score(result) : result[4];
    return caseId !== null && result[0] === CASE_PAGE + caseId ? base + 1000 : base;
  };

  var htmlToText = Search.htmlToText;
  Search.htmlToText = function (htmlString, anchor) {
    var page = new DOMParser().parseFromString(htmlString, "text/html");
    var article = page.querySelector('[role="main"] article');
    if (!article) return htmlToText(htmlString, anchor);
    article.querySelectorAll(FURNITURE).forEach(function (element) { element.remove(); });
    var body = page.createElement("div");
    body.setAttribute("role", "main");
    body.appendChild(article);
    return htmlToText(body.outerHTML, anchor);
  };
})();
