// Bundle the browser assets into web/static/dist: one script and one stylesheet per page load
// (plus charts.js on the pages that draw charts, diagram.js + diagram.css on the pages that show a
// BPMN diagram, modeler.js + modeler-style.css on the model editor), no CDN (the CSP allows only our own origin) and no inline code.
import { build } from "esbuild";

const outdir = new URL("../web/static/dist/", import.meta.url).pathname;

await build({
  // diagram: bpmn-js for the instance diagram; dmn_editor: dmn-js for the decision-table editor page;
  // modeler: bpmn-js's Modeler for the model editor page
  entryPoints: {
    app: "src/main.js", style: "src/main.css", charts: "src/charts.js",
    diagram: "src/diagram.js", "diagram-style": "src/diagram.css",
    dmn_editor: "src/dmn_editor.js", dmn_editor_style: "src/dmn_editor.css",
    modeler: "src/modeler.js", "modeler-style": "src/modeler.css",
  },
  bundle: true,
  minify: true,
  sourcemap: true,
  target: ["chrome100", "firefox100", "safari15"],
  outdir,
  loader: { ".woff": "file", ".woff2": "file", ".eot": "file", ".ttf": "file", ".svg": "file" },
  logLevel: "warning",
});
console.log(`built ${outdir}`);
