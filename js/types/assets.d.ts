// esbuild bundles the CSS that js/index.js and js/media/index.js import into explorer.css (the widget's `_css`).
declare module "*.css";

// three.js ships no types; the 3-D view reaches it only through the asset module (js/media/kinds/three-view.js),
// typed there as what it uses.
declare module "three";
declare module "three/examples/jsm/controls/OrbitControls.js";
declare module "three/examples/jsm/loaders/GLTFLoader.js";
declare module "three/examples/jsm/loaders/OBJLoader.js";
declare module "three/examples/jsm/loaders/STLLoader.js";
