// Repeating groups (indicator grid, annual amounts): add and remove rows, renumbering the
// dotted input names so the server sees a dense list.
document.addEventListener("click", (event) => {
  const button = event.target;
  const fieldset = button.closest && button.closest("fieldset.repeat");
  if (!fieldset) return;
  const body = fieldset.querySelector("tbody");
  if (button.classList.contains("add-row")) {
    const template = fieldset.querySelector("template");
    body.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", body.rows.length));
  } else if (button.classList.contains("remove-row")) {
    button.closest("tr").remove();
    const path = fieldset.dataset.path;
    Array.from(body.rows).forEach((row, index) => {
      row.querySelectorAll("[name]").forEach((input) => {
        const rest = input.name.slice(path.length + 1).split(".");
        rest[0] = String(index);
        input.name = `${path}.${rest.join(".")}`;
      });
    });
  }
});

// 待办: the header checkbox selects every row for 批量同意.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.classList || !box.classList.contains("check-all")) return;
  box.closest("table").querySelectorAll("input[name=ids]").forEach((input) => { input.checked = box.checked; });
});

// Forms with data-confirm ask before they are sent (the page's CSP allows no inline handlers).
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
