// @ts-check
// The Markdown asset (static/markdown.js): marked, which turns a long-text cell into HTML. That HTML is shown only
// inside a sandboxed iframe without scripts (js/media/kinds/text.js), never in the notebook's own DOM.

import { marked } from "marked";

export default { marked };
