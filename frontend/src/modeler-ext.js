// Reading and writing PerfFlow's SpiffWorkflow extensions on a BPMN element through bpmn-js's modeling
// API (every change is a command: undo/redo and the validation pins follow it). The moddle types come
// from spiffworkflow-moddle.json.

export class Extensions {
  constructor(modeler) {
    this.modeling = modeler.get("modeling");
    this.moddle = modeler.get("moddle");
  }

  // The element's extension of a type (spiffworkflow:Properties, …), or undefined.
  find(element, type) {
    const ext = element.businessObject.get("extensionElements");
    return ext ? (ext.get("values") || []).find((v) => v.$type === type) : undefined;
  }

  // spiffworkflow:properties as {name: value}.
  properties(element) {
    const props = this.find(element, "spiffworkflow:Properties");
    const out = {};
    for (const p of (props && props.get("properties")) || []) out[p.name] = p.value;
    return out;
  }

  // The body text of a one-value extension (calledDecisionId, preScript, postScript, …).
  text(element, type) {
    const found = this.find(element, type);
    return found ? found.value || "" : "";
  }

  create(type, attrs, parent) {
    const made = this.moddle.create(type, attrs);
    made.$parent = parent;
    return made;
  }

  // The element's bpmn:ExtensionElements, made when missing.
  container(element) {
    const bo = element.businessObject;
    let ext = bo.get("extensionElements");
    if (!ext) {
      ext = this.create("bpmn:ExtensionElements", { values: [] }, bo);
      this.modeling.updateProperties(element, { extensionElements: ext });
    }
    return ext;
  }

  // Put `made` (or nothing) in place of the element's extension of `type`.
  replace(element, type, made) {
    const ext = this.container(element);
    const values = (ext.get("values") || []).filter((v) => v.$type !== type);
    if (made) values.push(made);
    this.modeling.updateModdleProperties(element, ext, { values });
  }

  // One spiffworkflow:property: an empty value removes it (the engine's default applies).
  setProperty(element, name, value) {
    const text = value == null ? "" : String(value).trim();
    let props = this.find(element, "spiffworkflow:Properties");
    if (!props) {
      if (!text) return;
      props = this.create("spiffworkflow:Properties", { properties: [] }, this.container(element));
      this.replace(element, "spiffworkflow:Properties", props);
    }
    const list = props.get("properties");
    const existing = list.find((p) => p.name === name);
    if (existing && existing.value === text) return;
    if (!text) {
      if (existing) this.modeling.updateModdleProperties(element, props, { properties: list.filter((p) => p !== existing) });
    } else if (existing) {
      this.modeling.updateModdleProperties(element, existing, { value: text });
    } else {
      const made = this.create("spiffworkflow:Property", { name, value: text }, props);
      this.modeling.updateModdleProperties(element, props, { properties: [...list, made] });
    }
  }

  // A one-value extension: an empty text removes it.
  setText(element, type, value) {
    const text = (value || "").replace(/\s+$/, "");
    const found = this.find(element, type);
    if (found && found.value === text) return;
    if (!text) {
      if (found) this.replace(element, type, null);
    } else if (found) {
      this.modeling.updateModdleProperties(element, found, { value: text });
    } else {
      this.replace(element, type, this.create(type, { value: text }, this.container(element)));
    }
  }

  // The service task's operator: {id, parameters: [{id, type, value}]}.
  operator(element) {
    const op = this.find(element, "spiffworkflow:ServiceTaskOperator");
    if (!op) return { id: "", parameters: [] };
    const list = op.get("parameterList");
    return {
      id: op.id || "",
      parameters: ((list && list.get("parameters")) || []).map((p) => ({ id: p.id, type: p.type, value: p.value })),
    };
  }

  // Write the operator and its parameters (a parameter with an empty value is left out).
  setOperator(element, id, parameters) {
    if (!id) {
      this.replace(element, "spiffworkflow:ServiceTaskOperator", null);
      return;
    }
    const old = this.find(element, "spiffworkflow:ServiceTaskOperator");
    const op = this.create("spiffworkflow:ServiceTaskOperator", { id }, null);
    if (old && old.resultVariable) op.resultVariable = old.resultVariable;
    if (old && old.retry) op.retry = old.retry;
    const list = this.create("spiffworkflow:Parameters", { parameters: [] }, op);
    for (const p of parameters.filter((q) => (q.value || "").trim())) {
      list.get("parameters").push(this.create("spiffworkflow:Parameter", { id: p.id, type: p.type || "str", value: p.value.trim() }, list));
    }
    op.parameterList = list;
    op.$parent = this.container(element);
    this.replace(element, "spiffworkflow:ServiceTaskOperator", op);
  }

  // A sequence flow's condition (bpmn:conditionExpression body); empty removes it.
  setCondition(element, value) {
    const text = (value || "").trim();
    const bo = element.businessObject;
    const old = bo.get("conditionExpression");
    if ((old ? old.body || "" : "") === text) return;
    const expression = text ? this.create("bpmn:FormalExpression", { body: text }, bo) : undefined;
    this.modeling.updateProperties(element, { conditionExpression: expression });
  }
}

// The user tasks of the element's process (for formContext / returnTo / separateFrom pickers).
export function userTasks(registry) {
  return registry
    .filter((e) => e.type === "bpmn:UserTask" || e.type === "bpmn:ManualTask")
    .map((e) => ({ value: e.id, text: e.businessObject.name ? `${e.businessObject.name}（${e.id}）` : e.id }));
}

// The lane a flow node sits in (its name is a role code), or undefined.
export function laneOf(element) {
  const lanes = element.businessObject.get("lanes");
  if (lanes && lanes.length) return lanes[lanes.length - 1];
  let parent = element.parent;
  while (parent && parent.type !== "bpmn:Lane") parent = parent.parent;
  return parent ? parent.businessObject : undefined;
}
