// caredesk — small progressive enhancements. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  // Modules register themselves here; each one checks for its own elements.
  window.caredesk = window.caredesk || { modules: [] };
  document.addEventListener("DOMContentLoaded", function () {
    window.caredesk.modules.forEach(function (init) { init(document); });
  });
})();

// Workspace keyboard shortcuts: j/k move, Enter/o open, / search, r reply, n note, ? help.
// The selection lives only here, in the page; nothing is stored on the server.
window.caredesk.modules.push(function (doc) {
  "use strict";
  var help = doc.getElementById("shortcut-help");
  var table = doc.getElementById("inbox") || doc.getElementById("search-results");
  var rows = table ? Array.prototype.slice.call(table.querySelectorAll("tbody tr[data-href]")) : [];
  var selected = -1;

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (selected >= 0 && rows[selected]) {
      rows[selected].classList.remove("selected");
      rows[selected].removeAttribute("aria-selected");
    }
    selected = index;
    rows[selected].classList.add("selected");
    rows[selected].setAttribute("aria-selected", "true");
    rows[selected].scrollIntoView({ block: "nearest" });
    var link = rows[selected].querySelector("a.case-link");
    if (link) { link.focus({ preventScroll: true }); }
  }

  function openSelected() {
    if (selected < 0 || !rows[selected]) { return false; }
    var link = rows[selected].querySelector("a.case-link");
    if (link) { window.location.assign(link.getAttribute("href")); return true; }
    return false;
  }

  function focusField(id) {
    var el = doc.getElementById(id);
    if (!el) { return false; }
    el.scrollIntoView({ block: "center" });
    el.focus();
    return true;
  }

  function toggleHelp(show) {
    if (!help) { return; }
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) { help.setAttribute("tabindex", "-1"); help.focus(); }
  }

  if (help) {
    var closer = help.querySelector("[data-close-help]");
    if (closer) { closer.addEventListener("click", function () { toggleHelp(false); }); }
  }

  rows.forEach(function (row, index) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select, textarea")) { return; }
      select(index);
    });
  });

  doc.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target && target.closest && target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "Escape") {
      if (help && !help.hidden) { toggleHelp(false); event.preventDefault(); return; }
      if (typing) { target.blur(); }
      return;
    }
    if (typing) { return; }
    var handled = true;
    switch (event.key) {
      case "j": select(selected + 1); break;
      case "k": select(selected < 0 ? 0 : selected - 1); break;
      case "Enter": case "o": handled = openSelected(); break;
      case "/": handled = focusField("topbar-q") || focusField("search-q"); break;
      case "r": handled = focusField("reply-body"); break;
      case "n": handled = focusField("note-body"); break;
      case "?": toggleHelp(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  });
});

// Collision notice: tell the presence poll whether this agent typed in the last few seconds.
window.caredesk.modules.push(function (doc) {
  "use strict";
  var flag = doc.getElementById("presence-typing");
  if (!flag) { return; }
  var lastTyped = 0;
  var TYPING_MS = 5000;
  doc.querySelectorAll("form[data-presence-typing] textarea").forEach(function (area) {
    area.addEventListener("input", function () { lastTyped = Date.now(); flag.value = "1"; });
  });
  doc.body.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail || event.detail.elt.id !== "presence") { return; }
    var recent = Date.now() - lastTyped < TYPING_MS;
    flag.value = recent ? "1" : "0";
    event.detail.parameters.typing = flag.value;
  });
});

// Case page panels load after the page (htmx): when the address names an anchor inside a
// panel (/cases/1/#promises after making a promise), go there once it has arrived.
window.caredesk.modules.push(function (doc) {
  "use strict";
  var id = window.location.hash ? window.location.hash.slice(1) : "";
  if (!id || doc.getElementById(id)) { return; }
  function arrived() {
    var target = doc.getElementById(id);
    if (!target) { return; }
    doc.body.removeEventListener("htmx:afterSettle", arrived);
    target.scrollIntoView({ block: "start" });
  }
  doc.body.addEventListener("htmx:afterSettle", arrived);
});

// The top bar's "More" menu (a <details>): aria-expanded follows it, Esc closes it and
// returns focus to its button, and a click elsewhere closes it. Works without JS too.
window.caredesk.modules.push(function (doc) {
  "use strict";
  var menus = Array.prototype.slice.call(doc.querySelectorAll("details[data-nav-more]"));
  if (!menus.length) { return; }
  menus.forEach(function (menu) {
    var summary = menu.querySelector("summary");
    menu.addEventListener("toggle", function () {
      summary.setAttribute("aria-expanded", menu.open ? "true" : "false");
    });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        summary.focus();
        event.stopPropagation();
      }
    });
  });
  doc.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
});
