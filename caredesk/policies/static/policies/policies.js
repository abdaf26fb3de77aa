// "Insert into reply": put the policy's exact text into the reply box and remember the
// version, so sending the reply records that the customer was told (caredesk.policies.replies).
(function () {
  "use strict";
  function form() {
    var body = document.getElementById("reply-body");
    return body ? body.form : null;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.insert-policy") : null;
    if (!button) return;
    var body = document.getElementById("reply-body");
    var reply = form();
    if (!body || !reply) return;
    var text = button.getAttribute("data-text") || "";
    body.value = body.value ? body.value.replace(/\s+$/, "") + "\n\n" + text : text;
    var version = button.getAttribute("data-version");
    if (!reply.querySelector('input[name="policy_version"][value="' + version + '"]')) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "policy_version";
      input.value = version;
      reply.appendChild(input);
    }
    body.focus();
    button.textContent = "Inserted";
  });
})();
