// The model editor's properties panel: our own Bootstrap side panel driven by bpmn-js's modeling API
// (docs/design.md "Model editor (issue 13)"). What it offers comes from GET /admin/models/catalogue.json:
// names are shown, codes are stored. Lanes pick a role; user tasks a form (with a preview), its mode,
// context and verdicts, the step rules and the completion handler; service tasks an operator and its
// parameters; business-rule tasks a decision; scripts, pre/post scripts and conditions are checked as
// they are typed (POST check-expression.json).
import TomSelect from "tom-select";
import { Extensions, laneOf, userTasks } from "./modeler-ext.js";

const DEFAULT_FORM = "F-00";
const NAME_WRITE_MS = 300;
const TYPE_NAMES = {
  "bpmn:UserTask": "人工任务", "bpmn:ManualTask": "手工任务", "bpmn:Task": "任务", "bpmn:ServiceTask": "服务任务",
  "bpmn:ScriptTask": "脚本任务", "bpmn:BusinessRuleTask": "业务规则任务", "bpmn:CallActivity": "调用活动",
  "bpmn:SubProcess": "子流程", "bpmn:StartEvent": "开始事件", "bpmn:EndEvent": "结束事件",
  "bpmn:IntermediateCatchEvent": "中间捕获事件", "bpmn:IntermediateThrowEvent": "中间抛出事件",
  "bpmn:BoundaryEvent": "边界事件", "bpmn:ExclusiveGateway": "排他网关", "bpmn:ParallelGateway": "并行网关",
  "bpmn:InclusiveGateway": "包容网关", "bpmn:EventBasedGateway": "事件网关", "bpmn:SequenceFlow": "顺序流",
  "bpmn:Lane": "泳道", "bpmn:Participant": "池", "bpmn:Process": "流程",
};
const HUMAN = new Set(["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task"]);
const SCRIPTED = new Set(["bpmn:UserTask", "bpmn:ManualTask", "bpmn:Task", "bpmn:ServiceTask", "bpmn:ScriptTask",
  "bpmn:BusinessRuleTask", "bpmn:CallActivity", "bpmn:SubProcess"]);

let uid = 0;
const nextId = (stem) => `${stem}-${(uid += 1)}`;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k in node && k !== "list") node[k] = v;
    else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const split = (value, sep) => (value || "").split(sep).map((s) => s.trim()).filter(Boolean);

export class Panel {
  constructor(host, modeler, catalogue, { checkUrl, post }) {
    this.host = host;
    this.modeler = modeler;
    this.catalogue = catalogue;
    this.checkUrl = checkUrl;
    this.post = post;
    this.ext = new Extensions(modeler);
    this.registry = modeler.get("elementRegistry");
    this.pickers = [];
    this.current = null;
    this.roleNames = new Map(catalogue.roles.map((r) => [r.code, r.name]));
    this.forms = new Map(catalogue.forms.map((f) => [f.key, f]));
    const bus = modeler.get("eventBus");
    bus.on("selection.changed", ({ newSelection }) => this.show(newSelection.length === 1 ? newSelection[0] : null));
    // an undo or a change made elsewhere (a label typed on the canvas) redraws the panel, not while typing in it
    // (the heading and an unfocused name box follow even then)
    bus.on("elements.changed", ({ elements }) => {
      if (!this.current || !elements.some((e) => e.id === this.current.id)) return;
      if (!host.contains(document.activeElement)) this.show(this.registry.get(this.current.id) || null);
      else this.showName(this.current);
    });
    this.show(null);
  }

  clear() {
    for (const picker of this.pickers) picker.destroy();
    this.pickers = [];
    this.host.replaceChildren();
  }

  show(element) {
    this.clear();
    this.current = element;
    this.host.dataset.element = element ? element.id : "";
    if (!element) {
      this.host.append(el("p", { class: "text-body-secondary small mb-0", text: "点选流程图中的元素，在此设置其属性。" }));
      return;
    }
    const bo = element.businessObject;
    this.host.append(el("h2", { class: "h6 mb-0", text: bo.name || TYPE_NAMES[element.type] || element.type }),
      el("p", { class: "small text-body-secondary mb-2" }, `${TYPE_NAMES[element.type] || element.type} · `,
        el("code", { text: element.id })));
    if (element.type !== "bpmn:Process" && element.type !== "label") this.nameField(element);
    if (element.type === "bpmn:Lane") this.lane(element);
    if (HUMAN.has(element.type)) this.userTask(element);
    if (element.type === "bpmn:ServiceTask") this.serviceTask(element);
    if (element.type === "bpmn:BusinessRuleTask") this.businessRule(element);
    if (element.type === "bpmn:ScriptTask") {
      this.code(element, "脚本", "script", bo.script || "", (text) =>
        this.modeling().updateProperties(element, { script: text, scriptFormat: bo.scriptFormat || "python" }));
    }
    if (element.type === "bpmn:SequenceFlow") this.sequenceFlow(element);
    if (SCRIPTED.has(element.type)) {
      const box = this.section("前后脚本", { collapsed: !this.ext.text(element, "spiffworkflow:PreScript") && !this.ext.text(element, "spiffworkflow:PostScript") });
      this.code(element, "前置脚本（进入前）", "script", this.ext.text(element, "spiffworkflow:PreScript"),
        (text) => this.ext.setText(element, "spiffworkflow:PreScript", text), box, { name: "preScript" });
      this.code(element, "后置脚本（完成后）", "script", this.ext.text(element, "spiffworkflow:PostScript"),
        (text) => this.ext.setText(element, "spiffworkflow:PostScript", text), box, { name: "postScript" });
    }
  }

  showName(element) {
    const name = element.businessObject.name || "";
    const heading = this.host.querySelector("h2");
    const input = this.host.querySelector('input[data-name="name"]');
    if (input && input !== document.activeElement) input.value = name;
    if (heading && !(input && input === document.activeElement)) heading.textContent = name || TYPE_NAMES[element.type] || element.type;
  }

  modeling() {
    return this.modeler.get("modeling");
  }

  // A titled group; collapsed ones are a <details> the administrator opens.
  section(title, { collapsed = false } = {}) {
    if (collapsed) {
      const box = el("details", { class: "panel-section mb-2" }, el("summary", { class: "fw-semibold small", text: title }));
      this.host.append(box);
      return box;
    }
    const box = el("section", { class: "panel-section mb-2" }, el("h3", { class: "h6 small fw-semibold border-bottom pb-1 mb-2", text: title }));
    this.host.append(box);
    return box;
  }

  // `code`: the stored name, shown small and grey after the label for administrators; `required` marks it.
  field(label, control, { help, into, code, required } = {}) {
    const id = control.id || (control.id = nextId("pf"));
    const caption = el("label", { class: "form-label small mb-0", for: id }, label,
      code ? el("code", { class: "field-code ms-1", text: code }) : null,
      required ? el("span", { class: "text-danger ms-1", title: "必填", "aria-label": "必填", text: "*" }) : null);
    const wrap = el("div", { class: "mb-2", "data-field": control.dataset.name || "" }, caption, control);
    if (help) wrap.append(el("div", { class: "form-text small", text: help }));
    (into || this.host).append(wrap);
    return wrap;
  }

  // The name is written to the model as it is typed (debounced: one undo step per pause, not per key),
  // the heading follows at once; the panel is not redrawn while it has the focus, so the caret stays.
  // Keys typed inside an IME composition (拼音) are not names yet: only its end counts.
  nameField(element) {
    const input = el("input", { class: "form-control form-control-sm", value: element.businessObject.name || "" });
    input.dataset.name = "name";
    const heading = this.host.querySelector("h2");
    const fallback = TYPE_NAMES[element.type] || element.type;
    const write = () => {
      const name = input.value.trim() || undefined;
      if ((element.businessObject.name || undefined) !== name) this.modeling().updateProperties(element, { name });
    };
    const later = debounce(write, NAME_WRITE_MS);
    const typed = (event) => {
      if (event.isComposing) return;
      heading.textContent = input.value.trim() || fallback;
      later();
    };
    input.addEventListener("input", typed);
    input.addEventListener("compositionend", typed);
    input.addEventListener("change", write);
    this.field("名称", input);
  }

  // A Tom Select over `options` [{value, text}]; `onChange(values)` with the stored codes.
  picker(name, options, selected, onChange, { multiple = false, placeholder = "", into, label, help, create = false } = {}) {
    const select = el("select", { class: "form-select form-select-sm", multiple });
    select.dataset.name = name;
    const known = new Set(options.map((o) => o.value));
    const chosen = (multiple ? selected : [selected]).filter(Boolean);
    for (const value of chosen) if (!known.has(value)) options = [...options, { value, text: `${value}（未登记）` }];
    if (!multiple) select.append(el("option", { value: "", text: placeholder })); // the default, shown when nothing is chosen
    for (const o of options) select.append(el("option", { value: o.value, text: o.text, selected: chosen.includes(o.value) }));
    this.field(label, select, { help, into });
    const tom = new TomSelect(select, {
      maxOptions: 300,
      placeholder: multiple && chosen.length ? "" : placeholder, // a default only says something when nothing is chosen
      allowEmptyOption: !multiple,
      create,
      plugins: multiple ? ["remove_button"] : ["clear_button"],
      render: { no_results: () => '<div class="no-results">没有匹配的选项</div>' },
    });
    tom.on("change", () => {
      const value = tom.getValue();
      onChange(multiple ? value : value || "");
    });
    this.pickers.push(tom);
    return tom;
  }

  lane(element) {
    const code = element.businessObject.name || "";
    const box = this.section("办理角色");
    const roles = this.catalogue.roles.map((r) => ({ value: r.code, text: `${r.name}（${r.code}）` }));
    this.picker("role", roles, code, (value) => this.modeling().updateProperties(element, { name: value || undefined }),
      { into: box, label: "角色", placeholder: "选择角色", help: "泳道名即角色代码，泳道内的人工任务由该角色办理。" });
    if (code && !this.roleNames.has(code)) {
      box.append(el("p", { class: "alert alert-warning small py-1 px-2 mb-0", text: `“${code}”不是角色代码：此泳道的任务由流程管理员办理。` }));
    }
  }

  userTask(element) {
    const props = this.ext.properties(element);
    const lane = laneOf(element);
    const who = this.section("办理人");
    if (lane && lane.name) {
      const name = this.roleNames.get(lane.name);
      who.append(el("p", { class: "small mb-2" }, "泳道角色：", el("strong", { text: name || lane.name }),
        name ? null : el("span", { class: "text-warning-emphasis", text: "（不是角色代码，由流程管理员办理）" })));
    } else {
      who.append(el("p", { class: "small mb-2 default-note" }, "不在泳道内：默认由", el("strong", { text: "发起人" }), "办理。"));
    }
    const set = (name) => (value) => {
      this.ext.setProperty(element, name, value);
      if (name === "formKey") this.show(element);
    };

    // the form: picker, preview, mode, context, verdicts
    const form = this.section("表单");
    const keys = split(props.formKey, "+");
    const formOptions = this.catalogue.forms.map((f) => ({ value: f.key, text: `${f.name}（${f.key}）` }));
    const generic = this.forms.get(DEFAULT_FORM);
    this.picker("formKey", formOptions, keys, (values) => set("formKey")(values.join("+")), {
      multiple: true, into: form, label: "表单",
      placeholder: keys.length ? "" : `默认：${generic ? generic.name : "通用审批单"}（${DEFAULT_FORM}）`,
      help: "可选多张表单，一次提交合并其字段。",
    });
    const used = keys.length ? keys.map((k) => this.forms.get(k)).filter(Boolean) : [generic].filter(Boolean);
    const modes = used.flatMap((f) => f.modes || []);
    if (modes.length || props.formMode) {
      const seen = new Set();
      const options = modes.filter((m) => !seen.has(m.code) && seen.add(m.code)).map((m) => ({ value: m.code, text: `${m.name}（${m.code}）` }));
      this.picker("formMode", options, props.formMode || "", set("formMode"), { into: form, label: "表单模式", placeholder: "默认模式" });
    }
    this.preview(form, used, props.formMode);
    const steps = userTasks(this.registry).filter((t) => t.value !== element.id);
    this.picker("formContext", steps, split(props.formContext, "+"), (values) => set("formContext")(values.join("+")), {
      multiple: true, into: form, label: "参考步骤（只读显示其最近一次提交）", placeholder: "无",
    });
    const verdicts = [];
    const seen = new Set();
    for (const f of used) for (const v of f.verdicts || []) if (!seen.has(v.code) && seen.add(v.code)) verdicts.push({ value: v.code, text: `${v.name}（${v.code}）` });
    this.picker("verdicts", verdicts, split(props.verdicts, ","), (values) => set("verdicts")(values.join(",")), {
      multiple: true, into: form, label: "审批结论", placeholder: verdicts.length ? "表单给出的全部结论" : "该表单没有审批结论",
    });

    // the step rules, one control per catalogue entry
    const rules = this.section("审批规则", { collapsed: !this.catalogue.step_rules.some((r) => props[r.name]) });
    for (const rule of this.catalogue.step_rules) this.rule(element, rule, props[rule.name], set(rule.name), rules, steps);

    // the data and the handler
    const data = this.section("数据与处理", { collapsed: !props.inputs && !props.outputs && !props.completionHandler });
    for (const entry of this.catalogue.task_properties) {
      if (["formKey", "formMode", "formContext", "verdicts"].includes(entry.name)) continue;
      this.rule(element, entry, props[entry.name], set(entry.name), data, steps);
    }
  }

  // One property control by its catalogue kind.
  rule(element, rule, value, onChange, into, steps) {
    const label = rule.label || rule.name;
    const help = rule.help || undefined;
    const choices = (rule.choices || []).map((c) => ({ value: c.value, text: `${c.label}（${c.value}）` }));
    const dflt = rule.default != null && rule.default !== "" ? `默认：${this.choiceLabel(rule, rule.default)}` : "默认";
    switch (rule.kind) {
      case "expression":
        this.code(element, label, "expression", value || "", onChange, into, { help, rows: 1, name: rule.name });
        return;
      case "choice":
        this.picker(rule.name, choices, value || "", onChange, { into, label, help, placeholder: dflt });
        return;
      case "multichoice":
        this.picker(rule.name, choices, split(value, ","), (values) => onChange(values.join(",")), { multiple: true, into, label, help, placeholder: dflt });
        return;
      case "steps":
        this.picker(rule.name, [...choices, ...steps], split(value, ","), (values) => onChange(values.join(",")),
          { multiple: true, into, label, help, placeholder: dflt });
        return;
      case "role":
        this.picker(rule.name, this.catalogue.roles.map((r) => ({ value: r.code, text: `${r.name}（${r.code}）` })), value || "", onChange, { into, label, help, placeholder: dflt });
        return;
      case "form":
        this.picker(rule.name, this.catalogue.forms.map((f) => ({ value: f.key, text: `${f.name}（${f.key}）` })), value || "", onChange, { into, label, help, placeholder: dflt });
        return;
      case "handler":
        this.picker(rule.name, this.catalogue.handlers.map((h) => ({ value: h.name, text: `${h.label}（${h.name}）` })), value || "", onChange,
          { into, label, help, placeholder: "无（该步骤不写业务记录）" });
        return;
      case "bool": {
        const select = el("select", { class: "form-select form-select-sm" });
        select.dataset.name = rule.name;
        for (const [v, t] of [["", dflt], ["true", "是"], ["false", "否"]]) select.append(el("option", { value: v, text: t, selected: (value || "") === v }));
        select.addEventListener("change", () => onChange(select.value));
        this.field(label, select, { help, into });
        return;
      }
      default: { // text, duration, int
        const input = el("input", {
          class: "form-control form-control-sm", value: value || "", placeholder: rule.kind === "duration" ? `${dflt}；如 P5D、PT4H、5WD` : dflt,
          type: rule.kind === "int" ? "number" : "text", inputMode: rule.kind === "int" ? "numeric" : undefined,
        });
        input.dataset.name = rule.name;
        input.addEventListener("change", () => onChange(input.value));
        this.field(label, input, { help, into });
      }
    }
  }

  choiceLabel(rule, value) {
    const found = (rule.choices || []).find((c) => String(c.value) === String(value));
    return found ? found.label : String(value);
  }

  // The chosen forms as they will look (preview_url's HTML fragment), loaded when opened.
  preview(into, forms, mode) {
    if (!forms.length) return;
    const box = el("details", { class: "form-preview mb-2" }, el("summary", { class: "small", text: `预览表单：${forms.map((f) => f.name).join("、")}` }));
    const body = el("div", { class: "form-preview-body border rounded p-2 mt-1 small bg-body" });
    box.append(body);
    box.addEventListener("toggle", async () => {
      if (!box.open || body.dataset.loaded) return;
      body.dataset.loaded = "1";
      body.textContent = "加载中…";
      const parts = await Promise.all(forms.map(async (f) => {
        const url = new URL(f.preview_url, window.location.href);
        if (mode) url.searchParams.set("mode", mode);
        const reply = await fetch(url, { credentials: "same-origin" });
        return reply.ok ? reply.text() : `<p class="text-danger">无法预览 ${f.key}</p>`;
      }));
      body.innerHTML = parts.join("<hr>"); // our own server's fragment, same origin
      body.querySelectorAll("input, select, textarea, button").forEach((c) => { c.disabled = true; });
    });
    into.append(box);
  }

  serviceTask(element) {
    const box = this.section("服务操作");
    const current = this.ext.operator(element);
    const operators = new Map(this.catalogue.operators.map((o) => [o.name, o]));
    this.picker("operator", this.catalogue.operators.map((o) => ({ value: o.name, text: `${o.label}（${o.name}）` })), current.id,
      (value) => {
        const known = operators.get(value);
        const keep = new Map(current.parameters.map((p) => [p.id, p]));
        const params = known ? known.parameters.map((p) => ({ id: p.id, type: p.type, value: (keep.get(p.id) || {}).value || "" })) : [];
        this.ext.setOperator(element, value, params);
        this.show(element);
      }, { into: box, label: "操作", placeholder: "选择服务操作" });
    const known = operators.get(current.id);
    const declared = known ? known.parameters : [];
    const rows = [...declared.map((p) => ({ ...p, value: (current.parameters.find((q) => q.id === p.id) || {}).value || "" })),
      ...current.parameters.filter((p) => !declared.some((d) => d.id === p.id)).map((p) => ({ ...p, label: "未登记的参数" }))];
    if (!rows.length && current.id) box.append(el("p", { class: "small text-body-secondary mb-0", text: "该操作没有参数。" }));
    const values = new Map(rows.map((r) => [r.id, r]));
    for (const row of rows) {
      // the Chinese label from the operator's registration; the parameter's code name small after it
      const named = row.label && row.label !== row.id;
      this.code(element, named ? row.label : row.id, "expression", row.value, (text) => {
        values.get(row.id).value = text;
        this.ext.setOperator(element, current.id, [...values.values()]);
      }, box, { rows: 1, name: `param:${row.id}`, code: named ? row.id : null, required: row.required });
    }
  }

  businessRule(element) {
    const box = this.section("决策表");
    const id = this.ext.text(element, "spiffworkflow:CalledDecisionId");
    this.picker("decision", this.catalogue.decisions.map((d) => ({ value: d.id, text: `${d.name}（${d.id}）` })), id,
      (value) => { this.ext.setText(element, "spiffworkflow:CalledDecisionId", value); this.show(element); },
      { into: box, label: "决策", placeholder: "选择决策表" });
    const found = this.catalogue.decisions.find((d) => d.id === id);
    if (found) {
      box.append(el("p", { class: "small mb-0" }, "输入：", (found.inputs || []).join("、") || "无"),
        el("p", { class: "small mb-0" }, "输出：", (found.outputs || []).join("、") || "无"));
    }
  }

  sequenceFlow(element) {
    const bo = element.businessObject;
    const source = bo.sourceRef;
    if (source && source.default === bo) {
      this.host.append(el("p", { class: "small text-body-secondary", text: "默认流：其他条件都不成立时走这条。" }));
    }
    const condition = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    this.code(element, "条件（Python 表达式）", "condition", condition, (text) => this.ext.setCondition(element, text), this.host, { rows: 2, name: "condition" });
  }

  // A code box: checked as typed (debounced ~400 ms; the error's line and column under it), written to
  // the model as typed too, so the validation pins follow.
  code(element, label, kind, value, onChange, into, { help, rows = 4, name, code, required } = {}) {
    const area = el("textarea", { class: "form-control form-control-sm font-monospace code-input", rows, spellcheck: false });
    area.value = value || "";
    area.dataset.name = name || kind;
    area.dataset.kind = kind;
    const feedback = el("div", { class: "invalid-feedback code-errors" });
    const wrap = this.field(label, area, { help, into, code, required });
    wrap.append(feedback);
    const check = debounce(async () => {
      const text = area.value;
      onChange(text);
      if (!text.trim()) {
        area.classList.remove("is-invalid");
        feedback.replaceChildren();
        area.dataset.checked = "ok";
        return;
      }
      try {
        const reply = await this.post(this.checkUrl, { kind, text });
        if (area.value !== text) return; // typed on since
        const errors = (reply && reply.errors) || [];
        area.classList.toggle("is-invalid", errors.length > 0);
        feedback.replaceChildren(...errors.map((e) => el("div", { text: `第 ${e.line ?? "?"} 行第 ${e.column ?? "?"} 列：${e.message}` })));
        area.dataset.checked = errors.length ? "error" : "ok";
      } catch (err) {
        area.dataset.checked = "unknown";
      }
    }, 400);
    area.addEventListener("input", () => { area.dataset.checked = "pending"; check(); });
    return area;
  }
}
