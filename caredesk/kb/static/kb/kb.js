// Help article picker in the reply box: Ctrl+K opens it; type to search, arrow keys choose,
// Enter inserts "Title: link" at the cursor of the reply box (the agent still edits it).
window.caredesk.modules.push(function (doc) {
  "use strict";
  var root = doc.getElementById("kb-picker");
  var reply = doc.getElementById("reply-body");
  if (!root || !reply || !window.htmx) { return; }
  var dialog = doc.getElementById("kb-dialog");
  var opener = doc.getElementById("kb-open");
  var search = doc.getElementById("kb-picker-q");
  var results = doc.getElementById("kb-picker-results");
  var active = -1;
  var caret = null;

  function options() { return Array.prototype.slice.call(results.querySelectorAll("[role=option]")); }

  function open() {
    caret = { start: reply.selectionStart, end: reply.selectionEnd };
    dialog.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    active = -1;
    search.focus();
  }

  function close() {
    dialog.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    reply.focus();
  }

  function choose(index) {
    var list = options();
    if (!list.length) { active = -1; return; }
    active = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    search.setAttribute("aria-activedescendant", list[active].id);
    list[active].scrollIntoView({ block: "nearest" });
  }

  function insert(li) {
    var text = li.getAttribute("data-text");
    var value = reply.value;
    var start = caret ? caret.start : value.length;
    var end = caret ? caret.end : value.length;
    reply.value = value.slice(0, start) + text + value.slice(end);
    var at = start + text.length;
    close();
    reply.setSelectionRange(at, at);
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  }

  opener.addEventListener("click", function () { if (dialog.hidden) { open(); } else { close(); } });
  reply.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      open();
    }
  });
  results.addEventListener("htmx:afterSwap", function () { active = -1; });
  doc.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === results) { active = -1; }
  });
  results.addEventListener("click", function (event) {
    var li = event.target.closest("[role=option]");
    if (li) { insert(li); }
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { choose(active + 1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { choose(active - 1); event.preventDefault(); }
    else if (event.key === "Enter") {
      event.preventDefault();
      var list = options();
      if (list.length) { insert(list[active >= 0 ? active : 0]); }
    } else if (event.key === "Escape") { event.preventDefault(); close(); }
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close(); }
  });
});
