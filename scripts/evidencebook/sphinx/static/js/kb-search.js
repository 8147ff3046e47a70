// Two changes to Sphinx 7.4's search page (searchtools.js), which nothing in Sphinx's configuration
// reaches (upstream: https://github.com/sphinx-doc/sphinx/issues/776, open since 2011):
// - Numbers are searched. Sphinx indexes "231" like any word, but its search page drops every query
//   word made of digits alone, so a figure or a year finds nothing. The words are put back.
// - Snippets come from the article. Sphinx takes them from the page's [role="main"], which in this
//   theme also holds the buttons above the article, the "On this page" list and the previous/next
//   links; they are taken from the article, without the breadcrumb and the way back to the catalogue.
// Loaded on the search page only (sphinx/extension.py), deferred, so after searchtools.js and before
// it runs the query. tests/test_patches.py checks that the installed searchtools.js still has the two
// functions wrapped here; tests/test_search_browser.py that numbers are found and snippets are the body.
(function () {
  "use strict";
  if (typeof Search === "undefined" || !Search._parseQuery || !Search.htmlToText) return;
  var FURNITURE = ".kb-breadcrumb, .kb-back, .headerlink, script, style";

  var parseQuery = Search._parseQuery;
  Search._parseQuery = function (query) {
    var parsed = parseQuery(query); // [query, searchTerms, excludedTerms, highlightTerms, objectTerms]
    splitQuery(query.trim()).forEach(function (word) {
      if (/^\d+$/.test(word)) {
        parsed[1].add(word);
        parsed[3].add(word);
      }
    });
    return parsed;
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
