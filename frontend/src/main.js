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

// <select data-people="/people/options"> is a person picker: the page holds the first people the
// user may pick (it works without this script); typing searches all of them by name, unit or role.
// The value stays the username, so the forms post what they always posted.
document.querySelectorAll("select[data-people]").forEach((select) => {
  new TomSelect(select, {
    valueField: "username",
    labelField: "label",
    searchField: ["label", "username"],
    maxOptions: 100,
    loadThrottle: 250,
    placeholder: select.dataset.placeholder || "",
    plugins: select.multiple ? ["remove_button"] : [],
    load(query, callback) {
      const url = new URL(select.dataset.people, window.location.href);
      url.searchParams.set("q", query);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((reply) => (reply.ok ? reply.json() : []))
        .then((people) => callback(people))
        .catch(() => callback());
    },
    render: {
      no_results: () => '<div class="no-results">没有找到匹配的人员</div>',
      loading: () => '<div class="spinner-border spinner-border-sm m-2" role="status"></div>',
    },
  });
});
