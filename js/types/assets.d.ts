// esbuild bundles the CSS that js/index.js and js/media/index.js import into explorer.css (the widget's `_css`).
declare module "*.css";

// plotly.js (partial cartesian build), bundled into the report's script (js/report/); no types of its own.
declare module "plotly.js-cartesian-dist-min" {
  const Plotly: import("../charts.js").Plotly;
  export default Plotly;
}
// three.js ships no types; the 3-D view reaches it only through the asset module (js/media/kinds/three-view.js),
// typed there as what it uses.
declare module "three";
declare module "three/examples/jsm/controls/OrbitControls.js";
declare module "three/examples/jsm/loaders/GLTFLoader.js";
declare module "three/examples/jsm/loaders/OBJLoader.js";
declare module "three/examples/jsm/loaders/STLLoader.js";
