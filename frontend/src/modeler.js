// The model editor page (GET /admin/models/<key>/editor, issue 13 point 2), its own bundle
// (dist/modeler.js + dist/modeler-style.css). bpmn-js's Modeler with our spiffworkflow descriptor, our
// properties panel (modeler-panel.js), the deployment's checks pinned on the elements as one works
// (modeler-pins.js) and a toolbar: 保存草稿, 放弃草稿, 部署, 版本. It talks only to the JSON routes of the
// contract (/admin/models/…json, session and CSRF header). A phone gets the diagram read-only.
import Modeler from "bpmn-js/lib/Modeler";
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import { layoutProcess } from "bpmn-auto-layout";
import spiffworkflow from "./spiffworkflow-moddle.json";
import { restoreUnresolvedReferences } from "./modeler-references.js";
import { panByTouch, when, zoomBy } from "./diagram-viewer.js";
import { Panel } from "./modeler-panel.js";
import { Pins } from "./modeler-pins.js";
import { translateModule } from "./modeler_translate.js";

const root = document.getElementById("model-editor");
const READABLE = 0.55;
const VALIDATE_AFTER_MS = 800;

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// JSON over the session; a reply that is not 2xx throws with the reply's errors attached.
async function call(method, url, body) {
  const reply = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = reply.status === 204 ? null : await reply.json().catch(() => null);
  if (!reply.ok) {
    const err = new Error(`HTTP ${reply.status}`);
    err.status = reply.status;
    err.data = data;
    throw err;
  }
  return data;
}
const post = (url, body) => call("POST", url, body);

function hasLayout(xml) {
  return /<([\w-]+:)?BPMNShape\b/.test(xml);
}

function sourceText(model) {
  if (model.source === "draft" && model.draft) {
    return `草稿，${model.draft.saved_by_name || "有人"} 于 ${when(model.draft.saved_at)} 保存${model.draft.note ? `：${model.draft.note}` : ""}`;
  }
  return model.version ? `第 ${model.version} 版（正在使用）` : "新模型";
}

function readable(canvas, registry) {
  canvas.zoom("fit-viewport", "auto");
  if (canvas.zoom() >= READABLE) return;
  canvas.zoom(READABLE);
  const start = registry.filter((e) => e.type === "bpmn:StartEvent")[0];
  if (start) canvas.scrollToElement(start, { top: 120, left: 160, right: 160, bottom: 120 });
}

class Editor {
  constructor(host, urls) {
    this.root = host;
    this.urls = urls;
    this.canvasHost = host.querySelector(".modeler-canvas");
    this.status = host.querySelector(".editor-status");
    this.result = host.querySelector(".editor-result");
    this.source = host.querySelector(".editor-source");
    this.dirty = false;
    this.errors = 0;
    this.validation = null;
    this.readOnly = window.matchMedia("(max-width: 767.98px)").matches;
  }

  setState(state) {
    this.root.dataset.state = state;
  }

  say(text, tone = "info") {
    this.status.textContent = text;
    this.status.className = `editor-status small text-${tone === "error" ? "danger" : "body-secondary"}`;
  }

  async open() {
    this.setState("loading");
    try {
      const [model, catalogue] = await Promise.all([
        call("GET", this.urls.model),
        this.readOnly ? Promise.resolve(null) : call("GET", this.urls.catalogue),
      ]);
      this.model = model;
      this.showSource();
      const xml = model.files[model.main_file];
      const drawable = hasLayout(xml) ? xml : await layoutProcess(xml);
      if (this.readOnly) await this.openViewer(drawable);
      else await this.openModeler(drawable, catalogue);
      if (!hasLayout(xml)) this.say("该模型没有布局信息，已自动排布（保存后布局随模型保存）。");
      this.setState("ready");
    } catch (err) {
      this.setState("failed");
      this.say(err.status === 404 ? "找不到该模型。" : `模型无法打开：${this.describe(err)}`, "error");
      console.error(err);
    }
  }

  async openViewer(xml) {
    this.viewer = new NavigatedViewer({ container: this.canvasHost, moddleExtensions: { spiffworkflow } });
    await this.viewer.importXML(xml);
    readable(this.viewer.get("canvas"), this.viewer.get("elementRegistry"));
    panByTouch(this.canvasHost, this.viewer.get("canvas"));
  }

  async openModeler(xml, catalogue) {
    this.viewer = new Modeler({ container: this.canvasHost, moddleExtensions: { spiffworkflow }, additionalModules: [translateModule] });
    this.canvasHost.modeler = this.viewer; // for the browser tests and the console
    const { warnings } = await this.viewer.importXML(xml);
    restoreUnresolvedReferences(warnings);
    readable(this.viewer.get("canvas"), this.viewer.get("elementRegistry"));
    this.pins = new Pins(this.viewer, this.root.querySelector(".editor-problems"));
    this.panel = new Panel(this.root.querySelector(".editor-panel"), this.viewer, catalogue, { checkUrl: this.urls.check, post });
    let timer = null;
    this.viewer.get("eventBus").on("commandStack.changed", () => {
      this.markDirty(true);
      clearTimeout(timer);
      this.root.dataset.validation = "pending";
      timer = setTimeout(() => this.validate(), VALIDATE_AFTER_MS);
    });
    this.toolbar();
    await this.validate();
  }

  // 草稿，某某 于 … 保存 / 第 N 版; 放弃草稿 only when there is a draft.
  showSource() {
    this.source.textContent = sourceText(this.model);
    const discard = this.root.querySelector("[data-action=discard]");
    if (discard) discard.disabled = this.model.source !== "draft";
  }

  markDirty(dirty) {
    this.dirty = dirty;
    this.root.dataset.dirty = dirty ? "1" : "";
    this.root.querySelector(".editor-dirty").hidden = !dirty;
  }

  // Every file as the server should see it: the edited main file, the others unchanged.
  async files() {
    const { xml } = await this.viewer.saveXML({ format: true });
    return { ...this.model.files, [this.model.main_file]: xml };
  }

  async validate() {
    const run = (this.validation = Symbol("validation"));
    this.root.dataset.validation = "running";
    try {
      const reply = await post(this.urls.validate, { files: await this.files() });
      if (run !== this.validation) return;
      const items = this.pins.show(reply, this.model.main_file);
      this.errors = items.filter((i) => i.level === "error").length;
      this.root.dataset.validation = this.errors ? "errors" : "ok";
    } catch (err) {
      if (run !== this.validation) return;
      this.root.dataset.validation = "failed";
      this.errors = 1;
      this.say(`检查失败：${this.describe(err)}`, "error");
    }
    this.deployButton.disabled = this.errors > 0;
    this.deployButton.title = this.errors ? "请先修改标出的错误" : "";
  }

  describe(err) {
    const errors = err && err.data && err.data.errors;
    if (errors && errors.length) return errors.map((e) => e.message).join("；");
    return (err && err.message) || String(err);
  }

  toolbar() {
    const bar = this.root.querySelector(".editor-toolbar");
    this.deployButton = bar.querySelector("[data-action=deploy]");
    bar.querySelector("[data-action=save]").addEventListener("click", () => this.saveDraft());
    bar.querySelector("[data-action=discard]").addEventListener("click", () => this.discardDraft());
    this.deployButton.addEventListener("click", () => this.deploy());
    window.addEventListener("beforeunload", (event) => {
      if (!this.dirty) return;
      event.preventDefault();
      event.returnValue = ""; // the browser asks 离开此网站？
    });
  }

  flash(text, tone, links = []) {
    this.result.replaceChildren();
    this.result.hidden = false;
    this.result.className = `editor-result alert alert-${tone} py-2 mb-2`;
    this.result.append(text);
    for (const [label, href] of links) {
      const a = document.createElement("a");
      a.href = href;
      a.className = "alert-link ms-2";
      a.textContent = label;
      this.result.append(a);
    }
  }

  async saveDraft() {
    const note = this.root.querySelector("[name=note]").value.trim();
    try {
      const reply = await call("PUT", this.urls.draft, { files: await this.files(), note: note || undefined });
      this.model.source = "draft";
      this.model.draft = { saved_at: reply.saved_at, saved_by_name: reply.saved_by_name, note };
      this.showSource();
      this.markDirty(false);
      this.flash("草稿已保存（未部署，发起仍用正在使用的版本）。", "success");
    } catch (err) {
      this.flash(`草稿未保存：${this.describe(err)}`, "danger");
    }
  }

  async discardDraft() {
    if (!window.confirm("放弃草稿，回到正在使用的版本？草稿中的修改将丢失。")) return;
    try {
      await call("DELETE", this.urls.draft);
      this.markDirty(false);
      window.location.reload();
    } catch (err) {
      this.flash(`草稿未放弃：${this.describe(err)}`, "danger");
    }
  }

  async deploy() {
    this.deployButton.disabled = true;
    try {
      const reply = await post(this.urls.deploy, { files: await this.files() });
      this.markDirty(false);
      this.model.source = "version";
      this.model.version = reply.version;
      this.model.draft = null;
      this.showSource();
      const text = reply.created ? `已部署为版本 ${reply.version}。` : `内容与版本 ${reply.version} 相同，未生成新版本。`;
      const warned = (reply.warnings || []).length ? `（${reply.warnings.length} 条默认设置提示）` : "";
      this.flash(text + warned, "success", [["版本", reply.versions_url || this.urls.versions], ["发起", this.urls.start]]);
    } catch (err) {
      if (err.data && err.data.errors) this.pins.show({ errors: err.data.errors }, this.model.main_file);
      this.flash(`部署失败，未生成新版本：${this.describe(err)}`, "danger");
    } finally {
      this.deployButton.disabled = this.errors > 0;
    }
  }
}

if (root) {
  const editor = new Editor(root, { ...root.dataset });
  root.editor = editor;
  root.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button[data-zoom]");
    if (button && editor.viewer) zoomBy(editor.viewer, Number(button.dataset.zoom));
  });
  editor.open();
}
