// Repeating groups (indicator grid, annual amounts): add and remove rows, renumbering the
// dotted input names so the server sees a dense list.
document.addEventListener("click", (event) => {
  const button = event.target;
  const fieldset = button.closest && button.closest("fieldset.repeat");
  if (!fieldset) return;
  const body = fieldset.querySelector("tbody[data-rows]"); // not a guide table's rows
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

// Uploads: refuse an oversized file before the form is sent, so nothing typed is lost (the server
// would answer 413 and the browser may not even show it while still uploading). Limits come from
// the server's configuration on <body>.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const limits = document.body.dataset;
  const perFile = Number(limits.maxFileBytes || 0);
  const perRequest = Number(limits.maxRequestBytes || 0);
  let total = 0;
  let problem = "";
  form.querySelectorAll("input[type=file]").forEach((input) => {
    Array.from(input.files || []).forEach((file) => {
      total += file.size;
      if (!problem && perFile && file.size > perFile) {
        problem = `附件“${file.name}”有 ${(file.size / 1048576).toFixed(1)} MB，超过每个附件 ${Math.floor(perFile / 1048576)} MB 的上限。`;
      }
    });
  });
  if (!problem && perRequest && total > perRequest) {
    problem = `所选附件共 ${(total / 1048576).toFixed(1)} MB，超过一次提交 ${Math.floor(perRequest / 1048576)} MB 的上限。`;
  }
  if (!problem) return;
  event.preventDefault();
  let note = form.querySelector(".upload-too-large");
  if (!note) {
    note = document.createElement("div");
    note.className = "flash flash-error alert alert-danger upload-too-large";
    note.setAttribute("role", "alert");
    form.prepend(note);
  }
  note.textContent = `${problem}请换一个较小的文件后再提交，已填写的内容都还在。`;
  note.scrollIntoView({ block: "center" });
});

// Error pages: "返回上一页" goes back in history, where the browser restores what was typed.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("[data-history-back]");
  if (!link) return;
  event.preventDefault();
  history.back();
});
