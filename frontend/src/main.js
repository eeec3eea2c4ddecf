// Entry point: Bootstrap's behaviours (collapsing menu, dropdowns, modals), searchable selects
// (Tom Select) and ours.
import "bootstrap";
import TomSelect from "tom-select";
import "./behaviours.js";
import "./forms.js";

// <select data-picker> becomes a searchable select; the options stay in the page, so the form
// still works (and is tested) without this script.
document.querySelectorAll("select[data-picker]").forEach((select) => {
  new TomSelect(select, {
    maxOptions: 200,
    plugins: select.multiple ? ["remove_button"] : [],
    render: { no_results: () => '<div class="no-results">没有匹配的选项</div>' },
  });
});
