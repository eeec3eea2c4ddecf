// Validation pinned on the diagram as the administrator works: the deployment's own checks
// (POST validate.json) after each change, each error as a red marker and a badge on its element
// (warnings yellow), every problem listed above the canvas (a click selects its element).
export const PIN_ERROR = "pin-error";
export const PIN_WARNING = "pin-warning";
const BADGE_SCALE = { min: 1, max: 1.25 }; // readable at the 0.55 overview zoom, not huge when zoomed in

export class Pins {
  constructor(modeler, list) {
    this.modeler = modeler;
    this.list = list;
    this.pinned = [];
  }

  clear() {
    const canvas = this.modeler.get("canvas");
    for (const id of this.pinned) {
      canvas.removeMarker(id, PIN_ERROR);
      canvas.removeMarker(id, PIN_WARNING);
    }
    this.modeler.get("overlays").remove({ type: "validation" });
    this.pinned = [];
  }

  // `mainFile`: problems of other files (called processes, DMN) are listed, never pinned.
  show({ errors = [], warnings = [] }, mainFile) {
    this.clear();
    const registry = this.modeler.get("elementRegistry");
    const canvas = this.modeler.get("canvas");
    const overlays = this.modeler.get("overlays");
    const items = [];
    const onElement = new Map();
    for (const [level, problems] of [["error", errors], ["warning", warnings]]) {
      for (const problem of problems) {
        const mine = !problem.file || problem.file === mainFile;
        const element = mine && problem.element_id ? registry.get(problem.element_id) : null;
        items.push({ level, problem, element });
        if (!element) continue;
        canvas.addMarker(element.id, level === "error" ? PIN_ERROR : PIN_WARNING);
        this.pinned.push(element.id);
        const shown = onElement.get(element.id) || [];
        shown.push({ level, message: problem.message });
        onElement.set(element.id, shown);
      }
    }
    for (const [id, shown] of onElement) {
      const worst = shown.some((s) => s.level === "error") ? "error" : "warning";
      const badge = document.createElement("div");
      badge.className = `pin-badge pin-badge-${worst}`;
      badge.dataset.element = id;
      badge.title = shown.map((s) => s.message).join("\n");
      badge.textContent = shown.length > 1 ? `${shown[0].message}（等 ${shown.length} 项）` : shown[0].message;
      // A shape's badge sits above it, growing upwards (CSS) from just outside the selection outline,
      // clear of bpmn-js's context pad, which opens beside the shape's top-right corner; it never
      // shrinks below its own size when zoomed out.
      const isEdge = Boolean(registry.get(id).waypoints);
      if (!isEdge) badge.classList.add("pin-badge-above");
      overlays.add(id, "validation", { position: isEdge ? { top: -24, left: 0 } : { top: -8, left: 0 }, html: badge, scale: BADGE_SCALE });
    }
    this.render(items);
    return items;
  }

  render(items) {
    this.list.replaceChildren();
    this.list.hidden = items.length === 0;
    if (!items.length) return;
    const errors = items.filter((i) => i.level === "error").length;
    const head = document.createElement("p");
    head.className = "mb-1 fw-semibold";
    head.textContent = errors ? `有 ${errors} 个错误须修改后才能部署` : `${items.length} 条提示（采用默认设置，可以部署）`;
    this.list.className = `editor-problems alert ${errors ? "alert-danger" : "alert-warning"} py-2 mb-2`;
    const list = document.createElement("ul");
    list.className = "mb-0 ps-3 small";
    for (const { level, problem, element } of items) {
      const item = document.createElement("li");
      item.className = `problem problem-${level}`;
      item.dataset.element = problem.element_id || "";
      const name = element ? element.businessObject.name || element.id : problem.element_id;
      const where = [problem.file && element == null ? problem.file : null, name].filter(Boolean).join(" · ");
      if (element) {
        const link = document.createElement("button");
        link.type = "button";
        link.className = "btn btn-link btn-sm p-0 align-baseline problem-link";
        link.textContent = where;
        link.addEventListener("click", () => this.select(element));
        item.append(link, `：${problem.message}`);
      } else {
        item.textContent = where ? `${where}：${problem.message}` : problem.message;
      }
      list.append(item);
    }
    this.list.append(head, list);
  }

  select(element) {
    this.modeler.get("selection").select(element);
    this.modeler.get("canvas").scrollToElement(element, { top: 120, bottom: 120, left: 160, right: 160 });
  }
}
