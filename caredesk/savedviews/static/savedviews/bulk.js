// Bulk selection: shift-click selects a range; a live count of what is selected.
(function () {
  const form = document.getElementById("bulk-form");
  if (!form) return;
  const boxes = Array.from(form.querySelectorAll('input[name="case"]'));
  const shown = document.getElementById("b-selected");
  const all = document.getElementById("b-all");
  let last = null;
  function update() {
    const n = boxes.filter((b) => b.checked).length;
    shown.textContent = all.checked ? "all matching" : n + " selected";
  }
  boxes.forEach((box, i) => {
    box.addEventListener("click", (e) => {
      if (e.shiftKey && last !== null) {
        const [a, b] = [Math.min(last, i), Math.max(last, i)];
        for (let j = a; j <= b; j++) boxes[j].checked = box.checked;
      }
      last = i;
      update();
    });
  });
  document.getElementById("b-page").addEventListener("change", (e) => {
    boxes.forEach((b) => (b.checked = e.target.checked));
    update();
  });
  all.addEventListener("change", update);
  form.addEventListener("submit", () => {
    document.getElementById("b-apply").disabled = true;
    shown.textContent = "Working…";
  });
  update();
})();
