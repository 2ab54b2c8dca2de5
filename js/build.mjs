// Build the Explorer front end into widget/tablelens/static/ (gitignored; run by `npm run build`,
// which hatch-jupyter-builder runs on `pip install`).
//   explorer.js   the anywidget entry (`_esm`), bundled and minified from js/index.js
//   explorer.css  its styles (`_css`), emitted by esbuild from the CSS that js/index.js imports
//   plotly.js     plotly.js (partial cartesian build) as an ES module; NOT inside explorer.js: the kernel sends
//                 it once per page through the `asset` message (docs/protocol.md "Assets").
//   report.js     the script of a self-contained report (js/report/index.js, tl.report): a classic script with
//                 plotly.js bundled in, inlined into the HTML file by the kernel; report.css its styles.
//   store.js      the store browser's entry (`tl.Store(dir).explore()`), bundled from js/store-browser/index.js, with
//                 store.css; small: the graph's layout library is not inside it
//   graph-layout.js  dagre's layered layout (js/assets/graph-layout.js), an asset loaded when the graph is first
//                 shown
//   three.js      three.js with orbit controls and the GLTF/OBJ/STL loaders (js/assets/three.js): the 3-D view
//   markdown.js   marked (js/assets/markdown.js): long text shown as Markdown
//                 (both ES modules whose default export is an object; loaded as assets like plotly.js)
import { build } from "esbuild";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "widget", "tablelens", "static");
const watch = process.argv.includes("--watch");
const dev = watch || process.argv.includes("--dev");

await mkdir(out, { recursive: true });

/** @type {import("esbuild").BuildOptions} */
const options = {
  entryPoints: { explorer: join(root, "js", "index.js"), store: join(root, "js", "store-browser", "index.js") },
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: !dev,
  sourcemap: dev ? "inline" : false,
  outdir: out,
  logLevel: "info",
  legalComments: "none",
};

// plotly.js-cartesian-dist-min is a UMD script. Wrapped as below, importing it as an ES module takes the
// wrapper's CommonJS branch and yields the Plotly object as the default export (it also sets window.Plotly).
const require = createRequire(import.meta.url);
const plotlyPath = require.resolve("plotly.js-cartesian-dist-min");
const plotly = await readFile(plotlyPath, "utf8");
await writeFile(
  join(out, "plotly.js"),
  `var module = { exports: {} }, exports = module.exports;\n${plotly}\nexport default module.exports;\n`,
);

/** @type {import("esbuild").BuildOptions} */
const reportOptions = {
  ...options,
  entryPoints: { report: join(root, "js", "report", "index.js") },
  format: "iife",
};
/** @type {import("esbuild").BuildOptions} */
const assets = {
  entryPoints: {
    three: join(root, "js", "assets", "three.js"),
    markdown: join(root, "js", "assets", "markdown.js"),
    "graph-layout": join(root, "js", "assets", "graph-layout.js"),
  },
  bundle: true,
  format: "esm",
  target: ["es2020"],
  minify: true,
  outdir: out,
  logLevel: "warning",
  legalComments: "none",
};
await build(assets);

if (watch) {
  const { context } = await import("esbuild");
  for (const o of [options, reportOptions]) await (await context(o)).watch();
} else {
  await Promise.all([build(options), build(reportOptions)]);
}
