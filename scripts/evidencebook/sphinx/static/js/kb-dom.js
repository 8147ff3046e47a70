// Helpers shared by the catalogue (catalogue.js) and the outcomes comparison (outcomes.js); the
// extension loads this script before either of them (sphinx/extension.py, SHARED_SCRIPTS).
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

  window.kbDom = { fold: fold, make: make };
})();
