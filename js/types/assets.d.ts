// esbuild bundles the CSS that js/index.js and js/media/index.js import into explorer.css (the widget's `_css`).
declare module "*.css";

// plotly.js (partial cartesian build), bundled into the report's script (js/report/); no types of its own.
declare module "plotly.js-cartesian-dist-min" {
  const Plotly: import("../charts.js").Plotly;
  export default Plotly;
}
