// Macro picker in the reply box: Ctrl+M (or "#" in an empty reply box) opens it; type to
// search, arrow keys choose (the preview shows the text and the changes), Enter applies.
// The applied text is inserted at the cursor; the case panels are refreshed in place so
// what the macro changed shows without losing the reply being written.
window.caredesk.modules.push(function (doc) {
  "use strict";
  var root = doc.getElementById("macro-picker");
  var reply = doc.getElementById("reply-body");
  if (!root || !reply || !window.htmx) { return; }
  var dialog = doc.getElementById("macro-dialog");
  var opener = doc.getElementById("macro-open");
  var search = doc.getElementById("macro-q");
  var results = doc.getElementById("macro-results");
  var preview = doc.getElementById("macro-preview");
  var outcome = doc.getElementById("macro-outcome");
  var active = -1;
  var caret = null;

  function options() { return Array.prototype.slice.call(results.querySelectorAll("[role=option]")); }

  function open() {
    pending = false;
    caret = { start: reply.selectionStart, end: reply.selectionEnd };
    dialog.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    search.value = "";
    window.htmx.trigger(search, "macro-search");
    search.focus();
  }

  function close(toReply) {
    pending = false;
    dialog.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    preview.innerHTML = "";
    if (toReply) { reply.focus(); }
  }

  function choose(index) {
    var list = options();
    if (!list.length) { active = -1; preview.innerHTML = ""; return; }
    active = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (li, i) { li.setAttribute("aria-selected", i === active ? "true" : "false"); });
    var li = list[active];
    search.setAttribute("aria-activedescendant", li.id);
    li.scrollIntoView({ block: "nearest" });
    window.htmx.ajax("GET", li.getAttribute("data-preview-url"), { target: preview, swap: "innerHTML" });
  }

  // Enter while the results or the chosen macro's preview are still loading applies the
  // macro as soon as its preview has arrived (the apply form comes with the preview).
  var pending = false;

  function applyChosen() {
    var list = options();
    var form = preview.querySelector("form.macro-apply");
    var body = preview.querySelector("[data-macro]");
    if (active >= 0 && list[active] && form && body &&
        body.getAttribute("data-macro") === list[active].getAttribute("data-macro")) {
      pending = false;
      // htmx.ajax, not a submit event: the preview's form may not be processed by htmx yet.
      window.htmx.ajax("POST", form.getAttribute("action"), {
        source: form, target: outcome, swap: "innerHTML"
      });
    } else {
      pending = true;
    }
  }

  function insert(text) {
    if (!text) { return; }
    var value = reply.value;
    var start = caret ? caret.start : value.length;
    var end = caret ? caret.end : value.length;
    if (value.charAt(start - 1) === "#" && start === end) { start -= 1; }
    reply.value = value.slice(0, start) + text + value.slice(end);
    var at = start + text.length;
    reply.focus();
    reply.setSelectionRange(at, at);
    reply.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function refreshPanels() {
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        [".case-head", "#timeline", "#promises", ".case-side"].forEach(function (sel) {
          var old = doc.querySelector(sel);
          // Side panels come as placeholders that load themselves (docs/case-page.md).
          var now = fresh.querySelector(sel) ||
            (sel.charAt(0) === "#" ? fresh.querySelector("#panel-" + sel.slice(1)) : null);
          if (old && now) {
            var node = doc.importNode(now, true);
            old.replaceWith(node);
            window.htmx.process(node);
          }
        });
      });
  }

  // After a plain (no-script) apply, the page shows the text once: fill an empty reply box.
  var shown = outcome.querySelector("[data-on-load] pre.macro-applied-text");
  if (shown && reply.value.trim() === "") { reply.value = shown.textContent; }

  opener.addEventListener("click", function () { if (dialog.hidden) { open(); } else { close(true); } });
  reply.addEventListener("keydown", function (event) {
    var ctrlM = (event.ctrlKey || event.metaKey) && (event.key === "m" || event.key === "M");
    var hash = event.key === "#" && reply.value.trim() === "";
    if (ctrlM || hash) {
      event.preventDefault();
      open();
    }
  });
  search.addEventListener("input", function () { pending = false; });
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { choose(active + 1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { choose(active - 1); event.preventDefault(); }
    else if (event.key === "Enter") { applyChosen(); event.preventDefault(); }
    else if (event.key === "Escape") { close(true); event.preventDefault(); event.stopPropagation(); }
  });
  results.addEventListener("click", function (event) {
    var li = event.target.closest("[role=option]");
    if (li) { choose(options().indexOf(li)); }
  });
  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { close(true); event.preventDefault(); event.stopPropagation(); }
  });
  doc.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === results) { active = -1; choose(0); }
    if (event.detail.target === preview && pending) { applyChosen(); }
    if (event.detail.target === outcome) {
      var done = outcome.querySelector("[data-macro-applied]");
      if (!done) { return; }
      var tpl = done.querySelector("template.macro-applied-text");
      close(false);
      // A macro that set the status: sending the reply keeps that status, not the default.
      var after = doc.getElementById("reply-status-after");
      var status = done.getAttribute("data-status");
      if (after && status) { after.value = status; }
      insert(tpl ? tpl.content.textContent : "");
      refreshPanels();
    }
  });
  doc.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.target === outcome) {
      outcome.innerHTML = event.detail.xhr.responseText;
    }
  });
});
