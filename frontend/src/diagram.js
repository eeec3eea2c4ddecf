// The diagram bundle (dist/diagram.js + dist/diagram.css), loaded only by the pages that show an
// instance's diagram: the instance page and 流程监管. bpmn-js draws SVG and sets style attributes on it
// (the CSP allows inline styles, not inline script) and injects no <style> or script of its own; its
// stylesheets are bundled into dist/diagram.css from npm. The data comes from the same-origin page
// route /instances/<id>/diagram (the session's scope; the API's twin is GET /api/v1/instances/{id}/diagram).
import { renderPanel, showDiagram, zoomBy } from "./diagram-viewer.js";

async function load(view, url) {
  const canvas = view.querySelector(".bpmn-diagram");
  const panel = view.querySelector(".diagram-panel");
  const status = view.querySelector(".diagram-status");
  const childUrl = view.dataset.childUrl ? (child) => view.dataset.childUrl.replace("__child__", child) : null;
  view.dataset.state = "loading";
  if (view.viewer) view.viewer.destroy();
  canvas.replaceChildren();
  try {
    const reply = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!reply.ok) throw new Error(`HTTP ${reply.status}`);
    const data = await reply.json();
    view.viewer = await showDiagram(canvas, data, {
      onSelect: (element, info) => {
        if (panel) renderPanel(panel, element, info, { childUrl });
        view.querySelectorAll(".djs-element.selected-element").forEach((el) => el.classList.remove("selected-element"));
        const shape = canvas.querySelector(`.djs-element[data-element-id="${CSS.escape(element.id)}"]`);
        if (shape) shape.classList.add("selected-element");
      },
    });
    if (status) status.textContent = data.has_layout ? "" : "该模型没有布局信息，流程图为自动排布。";
    view.dataset.state = "ready";
  } catch (err) {
    if (status) status.textContent = "流程图加载失败，请刷新页面重试。";
    view.dataset.state = "failed";
    console.error(err);
  }
}

document.addEventListener("click", (event) => {
  const button = event.target.closest && event.target.closest("button[data-zoom]");
  const view = button && button.closest(".diagram-view");
  if (view && view.viewer) zoomBy(view.viewer, Number(button.dataset.zoom));
});

// The instance page: the diagram is drawn when the page opens.
document.querySelectorAll(".diagram-view[data-diagram-url]").forEach((view) => load(view, view.dataset.diagramUrl));

// 流程监管: one dialog; each row's 流程图 button opens it with that instance's diagram.
const dialog = document.getElementById("diagram-modal");
if (dialog) {
  dialog.addEventListener("shown.bs.modal", (event) => {
    const button = event.relatedTarget;
    if (!button) return;
    const view = dialog.querySelector(".diagram-view");
    dialog.querySelector(".modal-title").textContent = button.dataset.title || "流程图";
    dialog.querySelector(".open-instance").href = button.dataset.instanceUrl;
    view.dataset.childUrl = button.dataset.childUrl;
    const panel = view.querySelector(".diagram-panel");
    panel.replaceChildren(panel.dataset.hint || "");
    load(view, button.dataset.diagramUrl);
  });
}
