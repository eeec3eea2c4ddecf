// Forms that guide before they refuse (templates/_form.html): live length counters, conditional
// required marks, the indicator grid's weight sums and structure checks, level-2 choices that
// follow level 1, and a question before leaving a form with unsaved changes. The server stays the
// authority: everything here only shows what forms/guide.py already states on the page.

const codePoints = (text) => [...text.trim()].length; // Python's len(str.strip())

function fieldValue(form, name) {
  const inputs = Array.from(form.querySelectorAll(`[name="${CSS.escape(name)}"]`));
  const chosen = inputs.filter((i) => (i.type === "radio" || i.type === "checkbox" ? i.checked : true));
  return chosen.length ? chosen[chosen.length - 1].value : "";
}

// --- length counters -------------------------------------------------------------------------
function refreshCounter(counter) {
  const form = counter.closest("form");
  const input = form && form.querySelector(`[name="${CSS.escape(counter.dataset.counterFor)}"]`);
  if (!input) return;
  const n = codePoints(input.value);
  const min = Number(counter.dataset.min || 0);
  const max = Number(counter.dataset.max || 0);
  counter.querySelector(".typed").textContent = String(n);
  const wrong = (min && n > 0 && n < min) || (max && n > max);
  counter.classList.toggle("text-danger", Boolean(wrong));
  counter.classList.toggle("text-success", Boolean(n && !wrong && (!min || n >= min)));
}

// --- conditional required marks ---------------------------------------------------------------
function refreshRequiredMark(mark) {
  const form = mark.closest("form");
  if (!form) return;
  const cond = JSON.parse(mark.dataset.requiredIf);
  const value = fieldValue(form, cond.field);
  let met;
  if (cond.present) met = value !== "";
  else if (cond.in) met = cond.in.includes(value);
  else met = value !== "" && !cond.not_in.includes(value);
  mark.hidden = !met;
}

// --- indicator grid ---------------------------------------------------------------------------
const round2 = (x) => Math.round(x * 100) / 100;

function gridRows(fieldset) {
  return Array.from(fieldset.querySelectorAll("tbody[data-rows] > tr")).map((tr) => {
    const pick = (suffix) => {
      const el = tr.querySelector(`[name$=".${suffix}"]`);
      return el ? el.value : "";
    };
    const weight = Number(pick("weight"));
    return { l1: pick("l1"), l2: pick("l2"), weight: Number.isFinite(weight) ? weight : 0 };
  });
}

function setBadge(badge, ok, text) {
  badge.textContent = text;
  badge.classList.toggle("text-bg-success", ok);
  badge.classList.toggle("text-bg-warning", !ok);
  badge.classList.toggle("text-bg-light", false);
}

function refreshGrid(fieldset) {
  const guide = fieldset.querySelector(".grid-guide");
  if (!guide) return;
  const rows = gridRows(fieldset);
  const hasSat = rows.some((r) => r.l1 === "SATISFACTION" || r.l2 === "SAT_SERVICE");
  const noService = fieldValue(fieldset.form, "has_service_objects") === "false";
  guide.querySelectorAll("tr[data-group]").forEach((tr) => {
    const levels = tr.dataset.group === "*" ? null : tr.dataset.group.split(" ");
    const sum = round2(rows.filter((r) => !levels || levels.includes(r.l1)).reduce((s, r) => s + r.weight, 0));
    let expect = Number(tr.dataset.expect);
    if (tr.dataset.expectNoSat && noService && !hasSat) expect = Number(tr.dataset.expectNoSat);
    if (tr.hasAttribute("data-service-only") && noService && !hasSat) expect = 0;
    setBadge(tr.querySelector("[data-sum]"), sum === expect, `${sum} / ${expect}`);
    tr.querySelectorAll(".need").forEach((need) => {
      const { needL1, needL2 } = need.dataset;
      const present = rows.some((r) => (needL2 ? r.l2 === needL2 : r.l1 === needL1));
      const optional = tr.hasAttribute("data-service-only") && noService;
      need.dataset.label = need.dataset.label || need.textContent;
      need.textContent = `${present ? "✓" : optional ? "–" : "✗"} ${need.dataset.label}`;
      need.classList.toggle("text-bg-success", present);
      need.classList.toggle("text-bg-warning", !present && !optional);
      need.classList.toggle("text-bg-light", !present && optional);
    });
  });
}

// Level-2 choices that belong to the chosen level 1 (rules.md §4.7.5); the rest are hidden.
function narrowLevel2(fieldset, l1Select) {
  const allowed = JSON.parse(fieldset.dataset.l2Of || "{}")[l1Select.value];
  const l2Select = l1Select.closest("tr").querySelector('select[name$=".l2"]');
  if (!l2Select) return;
  Array.from(l2Select.options).forEach((option) => {
    const hide = Boolean(allowed && option.value && !allowed.includes(option.value));
    option.hidden = hide;
    option.disabled = hide;
  });
  if (l2Select.selectedOptions[0] && l2Select.selectedOptions[0].disabled) l2Select.value = "";
}

function refreshAll(root) {
  root.querySelectorAll("[data-counter-for]").forEach(refreshCounter);
  root.querySelectorAll("[data-required-if]").forEach(refreshRequiredMark);
  root.querySelectorAll("fieldset[data-grid-guide]").forEach((fieldset) => {
    fieldset.querySelectorAll('select[name$=".l1"]').forEach((s) => narrowLevel2(fieldset, s));
    refreshGrid(fieldset);
  });
}

function onEdit(event) {
  const target = event.target;
  const form = target.form || (target.closest && target.closest("form"));
  if (!form) return;
  form.querySelectorAll(`[data-counter-for="${CSS.escape(target.name || "")}"]`).forEach(refreshCounter);
  form.querySelectorAll("[data-required-if]").forEach(refreshRequiredMark);
  const grid = target.closest("fieldset[data-grid-guide]");
  if (grid && target.name && target.name.endsWith(".l1")) narrowLevel2(grid, target);
  form.querySelectorAll("fieldset[data-grid-guide]").forEach(refreshGrid);
  if (form.hasAttribute("data-unsaved-guard")) form.dataset.unsavedGuard = "dirty";
}

document.addEventListener("input", onEdit);
document.addEventListener("change", onEdit);
// Rows added or removed (behaviours.js renumbers them first): sums and choices follow.
document.addEventListener("click", (event) => {
  const button = event.target;
  if (!button.classList || !(button.classList.contains("add-row") || button.classList.contains("remove-row"))) return;
  const form = button.closest("form");
  queueMicrotask(() => {
    if (!form) return;
    refreshAll(form);
    if (form.hasAttribute("data-unsaved-guard")) form.dataset.unsavedGuard = "dirty";
  });
});
refreshAll(document);

// --- unsaved changes --------------------------------------------------------------------------
// A guarded form is "dirty" once edited, and from the start when the server refused it (what is on
// the page was never saved). Sending any form (提交, 暂存, an operation) is the user's choice to
// leave; the window listener runs after every document-level submit check, so a submit another
// check stopped (an oversized upload) keeps the guard.
let leaving = false;
window.addEventListener("submit", (event) => {
  if (!event.defaultPrevented) leaving = true;
});
window.addEventListener("beforeunload", (event) => {
  if (leaving || !document.querySelector('form[data-unsaved-guard="dirty"]')) return;
  event.preventDefault();
  event.returnValue = ""; // older Chromium needs it set to show the question
});
// Back from the bfcache: the page is live again and may be left again.
window.addEventListener("pageshow", () => {
  leaving = false;
});
