// The decision-table editor of 决策表与规则 (dmn-js), bundled apart from app.js and loaded only on
// that page. The table's XML comes from a hidden textarea (no inline script under the CSP); 保存为草稿
// exports the edited XML into the form, and the server checks every cell before it keeps a draft.
import DmnModeler from "dmn-js/lib/Modeler";
import { chineseTranslateModule } from "./dmn_translate";

const host = document.getElementById("dmn-editor");
const source = document.getElementById("dmn-source");
const form = document.getElementById("dmn-save");
const status = document.getElementById("dmn-status");

if (host && source && form) {
  // each view takes its own modules (dmn-js drops `common.additionalModules` for a view's own)
  const chinese = { additionalModules: [chineseTranslateModule] };
  const modeler = new DmnModeler({ container: host, decisionTable: chinese, drd: chinese });
  modeler
    .importXML(source.value)
    .then(() => {
      const table = modeler.getViews().find((view) => view.type === "decisionTable");
      return table ? modeler.open(table) : undefined;
    })
    .then(() => {
      host.dataset.ready = "1";
    })
    .catch((err) => {
      status.textContent = `决策表无法打开：${err.message}`;
      status.hidden = false;
    });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    modeler
      .saveXML({ format: true })
      .then(({ xml }) => {
        form.querySelector("[name=content]").value = xml;
        form.dataset.exported = "1";
        form.submit(); // the XML is in the form now: send it without another submit event
      })
      .catch((err) => {
        status.textContent = `无法导出决策表：${err.message}`;
        status.hidden = false;
      });
  });
}
