// @vitest-environment happy-dom
// @ts-check
// The host's theme: read from what JupyterLab, VS Code and marimo set (nearest to the widget first, across shadow
// roots), the OS setting last; the widget's root carries it and follows its changes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { declaredTheme, hostTheme, watchHostTheme } from "../theme.js";
import { settle } from "./fake-model.js";

/**
 * @param {string} [className]
 * @param {Record<string, string>} [attrs]
 */
function element(className = "", attrs = {}) {
  const e = document.createElement("div");
  e.className = className;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** @param {boolean} dark */
function osPrefersDark(dark) {
  vi.stubGlobal("matchMedia", (/** @type {string} */ query) => ({
    matches: dark && query.includes("dark"),
    addEventListener() {},
    removeEventListener() {},
  }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.body.className = "";
  for (const a of ["data-jp-theme-light", "data-theme", "data-vscode-theme-kind"]) document.body.removeAttribute(a);
  document.body.replaceChildren();
});

describe("declaredTheme", () => {
  it("reads JupyterLab's, VS Code's and marimo's markers", () => {
    expect(declaredTheme(element("", { "data-jp-theme-light": "false" }))).toBe("dark");
    expect(declaredTheme(element("", { "data-jp-theme-light": "true" }))).toBe("light");
    expect(declaredTheme(element("", { "data-vscode-theme-kind": "vscode-dark" }))).toBe("dark");
    expect(declaredTheme(element("", { "data-vscode-theme-kind": "vscode-high-contrast-light" }))).toBe("light");
    expect(declaredTheme(element("vscode-dark"))).toBe("dark");
    expect(declaredTheme(element("dark dark-theme"))).toBe("dark"); // marimo's <body> in dark mode
    expect(declaredTheme(element("contents light"))).toBe("light"); // marimo's wrapper in the widget's shadow root
    expect(declaredTheme(element("", { "data-theme": "dark" }))).toBe("dark");
    expect(declaredTheme(element("jp-Notebook"))).toBe(null);
  });
});

describe("hostTheme", () => {
  it("takes the nearest marker, across a shadow root, before the OS setting", () => {
    osPrefersDark(true);
    document.body.className = "dark dark-theme";
    const hostEl = element();
    document.body.append(hostEl);
    const shadow = hostEl.attachShadow({ mode: "open" });
    const wrapper = element("contents light");
    const widget = element();
    wrapper.append(widget);
    shadow.append(wrapper);
    expect(hostTheme(widget)).toBe("light"); // the wrapper's, not <body>'s nor the OS's
    wrapper.className = "contents";
    expect(hostTheme(widget)).toBe("dark"); // <body>'s, through the shadow root
  });

  it("falls back on the OS setting when the page says nothing", () => {
    osPrefersDark(true);
    expect(hostTheme(element())).toBe("dark");
    osPrefersDark(false);
    expect(hostTheme(element())).toBe("light");
  });
});

describe("watchHostTheme", () => {
  it("marks the root and follows the host's theme switch", async () => {
    osPrefersDark(false);
    document.body.setAttribute("data-jp-theme-light", "true");
    const root = element();
    document.body.append(root);
    /** @type {string[]} */
    const seen = [];
    const stop = watchHostTheme(root, (theme) => seen.push(theme));
    expect(root.dataset.tlTheme).toBe("light");
    document.body.setAttribute("data-jp-theme-light", "false");
    await settle();
    expect(root.dataset.tlTheme).toBe("dark");
    expect(seen).toEqual(["dark"]);
    stop();
    document.body.setAttribute("data-jp-theme-light", "true");
    await settle();
    expect(seen).toEqual(["dark"]); // stopped
  });
});
