// An instance's BPMN diagram with where it stands (issue 13 point 1): bpmn-js's NavigatedViewer (pan,
// zoom), models without diagram information laid out by bpmn-auto-layout, the instance's state as CSS
// markers on the elements and the flows taken, and a click panel with an element's history.
// A module of its own so that the model editor (issue 13 point 2) can reuse the pieces.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { layoutProcess } from "bpmn-auto-layout";

export const STATE_CLASS = {
  COMPLETED: "state-completed",
  ACTIVE: "state-active",
  WAITING: "state-waiting",
  INCIDENT: "state-incident",
};
export const FLOW_TAKEN = "flow-taken";

const TIME = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : TIME.format(date).replaceAll("/", "-");
}

// The XML to draw: as deployed, or laid out here when the file has no BPMN DI (hand-written models,
// conformance files): the server never needs Node.
export async function drawableXml(data) {
  if (data.has_layout) return data.xml;
  return layoutProcess(data.xml);
}

// Draw `data` (GET /instances/{id}/diagram) into `container`; `onSelect(element, info)` is called
// with the clicked diagram element and the instance's state there (undefined when none).
export async function showDiagram(container, data, { onSelect } = {}) {
  const viewer = new NavigatedViewer({ container });
  await viewer.importXML(await drawableXml(data));
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  const byId = new Map(data.elements.map((e) => [e.id, e]));
  for (const info of data.elements) {
    if (!registry.get(info.id) || !info.state) continue;
    canvas.addMarker(info.id, STATE_CLASS[info.state]);
    const note = overlayText(info);
    if (note) {
      const badge = document.createElement("span");
      badge.className = `diagram-badge ${STATE_CLASS[info.state]}`;
      badge.textContent = note;
      overlays.add(info.id, "state", { position: { top: -18, left: 0 }, html: badge });
    }
  }
  for (const flow of data.flows) {
    if (registry.get(flow)) canvas.addMarker(flow, FLOW_TAKEN);
  }
  focus(canvas, registry, data);
  panByTouch(container, canvas);
  viewer.get("eventBus").on("element.click", (event) => {
    const element = event.element;
    if (!element || element.type === "bpmn:Process" || element.type === "bpmn:Collaboration") return;
    if (onSelect) onSelect(element, byId.get(element.id));
  });
  return viewer;
}

// Wide models (P1 is ~4,500 px) shrink to nothing when fitted: fit the whole when it stays readable,
// otherwise zoom to a readable scale on where the instance stands now (the active or waiting step,
// else the last completed one). Pan and zoom from there (buttons, wheel, drag).
const READABLE = 0.55;

export function focus(canvas, registry, data) {
  canvas.zoom("fit-viewport", "auto");
  if (canvas.zoom() >= READABLE) return;
  const order = ["INCIDENT", "ACTIVE", "WAITING", "COMPLETED"];
  const here = data.elements
    .filter((e) => registry.get(e.id))
    .sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state))[0];
  canvas.zoom(READABLE);
  if (here) canvas.scrollToElement(registry.get(here.id), { top: 120, left: 160, right: 160, bottom: 120 });
}

// diagram-js pans with the mouse only: one finger drags the diagram on a phone (a tap still clicks).
export function panByTouch(container, canvas) {
  let last = null;
  container.addEventListener("touchstart", (event) => {
    last = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
  }, { passive: true });
  container.addEventListener("touchmove", (event) => {
    if (!last || event.touches.length !== 1) return;
    const touch = event.touches[0];
    canvas.scroll({ dx: touch.clientX - last.x, dy: touch.clientY - last.y });
    last = { x: touch.clientX, y: touch.clientY };
    event.preventDefault();
  }, { passive: false });
  container.addEventListener("touchend", () => { last = null; });
}

// 放大 / 缩小 / 全图 for touch screens, where the wheel is missing.
export function zoomBy(viewer, step) {
  const canvas = viewer.get("canvas");
  if (step === 0) canvas.zoom("fit-viewport", "auto");
  else canvas.zoom(Math.min(4, Math.max(0.1, canvas.zoom() * step)));
}

function overlayText(info) {
  if (info.state === "WAITING" && info.due_at) return `到期 ${when(info.due_at).slice(5)}`;
  if (info.state === "WAITING" && info.message) return "等待消息";
  if (info.state === "INCIDENT") return "异常";
  return "";
}

// The click panel: the element's name and state, who may act, its wait, its incident and history.
export function renderPanel(panel, element, info, { childUrl } = {}) {
  panel.replaceChildren();
  const title = document.createElement("h3");
  title.className = "h6 mb-1";
  title.textContent = (element.businessObject && element.businessObject.name) || (info && info.title) || element.id;
  panel.append(title);
  const state = document.createElement("p");
  state.className = "mb-2";
  const badge = document.createElement("span");
  badge.className = `badge diagram-state ${info && info.state ? STATE_CLASS[info.state] : "state-none"}`;
  badge.textContent = info ? info.state_label : "未经过";
  state.append(badge);
  panel.append(state);
  const facts = [];
  if (info && info.actors.length) facts.push([info.state === "ACTIVE" ? "可办理" : "办理人", info.actors.join("、")]);
  if (info && info.due_at) facts.push([info.state === "WAITING" ? "到期时间" : "截止时间", when(info.due_at)]);
  if (info && info.message) facts.push(["等待消息", info.message]);
  if (info && info.correlation) {
    facts.push(["关联", Object.entries(info.correlation).map(([k, v]) => `${k} = ${v}`).join("；")]);
  }
  if (info && info.incident) facts.push(["异常", info.incident]);
  if (facts.length) {
    const list = document.createElement("dl");
    list.className = "diagram-facts mb-2";
    for (const [label, value] of facts) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
    panel.append(list);
  }
  if (info && info.child && childUrl) {
    const link = document.createElement("a");
    link.className = "child-link btn btn-sm btn-outline-primary mb-2";
    link.href = childUrl(info.child);
    link.textContent = "打开子流程";
    panel.append(link);
  }
  const history = (info && info.history) || [];
  const heading = document.createElement("h4");
  heading.className = "h6 mt-2 mb-1";
  heading.textContent = "办理记录";
  panel.append(heading);
  if (!history.length) {
    const empty = document.createElement("p");
    empty.className = "empty text-body-secondary small mb-0";
    empty.textContent = "暂无记录";
    panel.append(empty);
    return;
  }
  const list = document.createElement("ol");
  list.className = "diagram-history list-unstyled mb-0";
  for (const h of history) {
    const item = document.createElement("li");
    item.className = `py-1 border-bottom ${h.action}`;
    const head = document.createElement("div");
    const who = document.createElement("strong");
    who.textContent = h.actor_name;
    const what = document.createElement("span");
    what.className = "ms-1";
    what.textContent = h.decision_label && h.action !== "return" ? `${h.action_label} · ${h.decision_label}` : h.action_label;
    const at = document.createElement("time");
    at.className = "d-block text-body-secondary small";
    at.textContent = when(h.at);
    head.append(who, what, at);
    item.append(head);
    if (h.comment) {
      const quote = document.createElement("blockquote");
      quote.className = "opinion small mb-0";
      quote.textContent = h.comment;
      item.append(quote);
    }
    list.append(item);
  }
  panel.append(list);
}
