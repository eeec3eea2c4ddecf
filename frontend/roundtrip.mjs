// Import and export BPMN files the way the model editor does (bpmn-moddle with our spiffworkflow
// descriptor, unresolved variable references kept): `node roundtrip.mjs a.bpmn b.bpmn` prints
// {"a.bpmn": "<exported xml>", ...} as JSON. tests/unit/test_modeler_roundtrip.py deploys both.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { BpmnModdle } from "bpmn-moddle";
import { restoreUnresolvedReferences } from "./src/modeler-references.js";

const spiffworkflow = JSON.parse(readFileSync(new URL("./src/spiffworkflow-moddle.json", import.meta.url)));
const moddle = new BpmnModdle({ spiffworkflow });
const out = {};
for (const path of process.argv.slice(2)) {
  const { rootElement, warnings } = await moddle.fromXML(readFileSync(path, "utf8"));
  restoreUnresolvedReferences(warnings);
  out[basename(path)] = (await moddle.toXML(rootElement, { format: true })).xml;
}
process.stdout.write(JSON.stringify(out));
