// Helpers shared by the catalogue (catalogue.js) and the outcomes comparison (outcomes.js); the
// extension loads this script before either of them (sphinx/extension.py, SHARED_SCRIPTS). They work
// on a page opened from disk too (file://, the offline edition: `make offline`).
(function () {
  "use strict";

  // Text as the filters compare it: accents dropped, lower case ("Ménière" finds "meniere").
  function fold(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // An element with attributes ("text" its text, "className" its class) and children: elements, or
  // strings added as text, never as HTML.
  function make(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "className") node.className = attrs[name];
      else node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // The JSON a page's script filters (data/*.json, named by data-kb-index), parsed. Fetched, unless the
  // page was opened from disk (file://: the offline edition), where a browser refuses to fetch a file: it
  // then loads the same data as a script, published beside the JSON (data/<name>.js, publish/export.py),
  // which assigns it to window.kbData["<name>.json"]. Only such a page loads the script.
  function loadJson(url) {
    if (window.location.protocol !== "file:") {
      return fetch(url).then(function (response) {
        if (!response.ok) throw new Error(response.status + " " + response.statusText + " for " + url);
        return response.json();
      });
    }
    return new Promise(function (resolve, reject) {
      var path = url.split(/[?#]/)[0];
      var name = decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
      var script = document.createElement("script");
      script.src = path.replace(/\.json$/, ".js");
      script.onload = function () {
        var data = window.kbData && window.kbData[name];
        script.remove();
        if (data === undefined) reject(new Error(script.src + " does not hold " + name));
        else {
          delete window.kbData[name]; // the page's script keeps what it needs
          resolve(data);
        }
      };
      script.onerror = function () {
        script.remove();
        reject(new Error("could not load " + script.src));
      };
      document.head.appendChild(script);
    });
  }

  window.kbDom = { fold: fold, make: make, loadJson: loadJson };
})();
