// caredesk — small progressive enhancements. No inline scripts (CSP: script-src 'self').
(function () {
  "use strict";
  // Modules register themselves here; each one checks for its own elements.
  window.caredesk = window.caredesk || { modules: [] };
  document.addEventListener("DOMContentLoaded", function () {
    window.caredesk.modules.forEach(function (init) { init(document); });
  });
})();
