// esbuild bundles the CSS that js/index.js and js/media/index.js import into explorer.css (the widget's `_css`).
declare module "*.css";
