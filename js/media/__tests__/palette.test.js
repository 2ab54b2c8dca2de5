// @ts-check
import { describe, expect, it } from "vitest";
import { classSet, PALETTE, paletteColor, parseColor, textColorOn, toHex, UNKNOWN_COLOR } from "../palette.js";

describe("parseColor", () => {
  it("reads hex, rgb() and arrays", () => {
    expect(parseColor("#ff0000")).toEqual([255, 0, 0]);
    expect(parseColor("#F00")).toEqual([255, 0, 0]);
    expect(parseColor("#00ff0080")).toEqual([0, 255, 0]);
    expect(parseColor("rgb(1, 2, 3)")).toEqual([1, 2, 3]);
    expect(parseColor("rgba(1,2,3,0.5)")).toEqual([1, 2, 3]);
    expect(parseColor([10, 20, 30])).toEqual([10, 20, 30]);
  });

  it("rejects anything else", () => {
    for (const bad of ["red; background:url(x)", "#12", "rgb(300,0,0)", "", null, 5, [1, 2], "javascript:alert(1)"]) {
      expect(parseColor(bad)).toBeNull();
    }
  });
});

describe("palette", () => {
  it("indexes a fixed palette by class id", () => {
    expect(PALETTE).toHaveLength(20);
    expect(new Set(PALETTE).size).toBe(20);
    expect(paletteColor(0)).toBe(PALETTE[0]);
    expect(paletteColor(3)).toBe(PALETTE[3]);
    expect(paletteColor(23)).toBe(PALETTE[3]);
    expect(paletteColor(-1)).toBe(UNKNOWN_COLOR);
    expect(paletteColor(1.5)).toBe(UNKNOWN_COLOR);
    expect(PALETTE).not.toContain(UNKNOWN_COLOR);
  });

  it("gives the same color to a class whatever the class set around it", () => {
    const a = classSet([
      { id: 1, name: "car" },
      { id: 2, name: "road" },
    ]);
    const b = classSet([
      { id: 2, name: "road" },
      { id: 7, name: "sky" },
      { id: 1, name: "vehicle" },
    ]);
    expect(a.get(1).color).toBe(b.get(1).color);
    expect(a.get(2).color).toBe(PALETTE[2]);
    expect(b.get(7).color).toBe(PALETTE[7]);
  });

  it("lets the class set override a color", () => {
    const s = classSet([
      { id: 1, name: "car", color: "#FF0000" },
      { id: 2, name: "road", color: "not a color" },
    ]);
    expect(s.get(1).color).toBe("#ff0000");
    expect(s.get(1).rgb).toEqual([255, 0, 0]);
    expect(s.get(2).color).toBe(PALETTE[2]); // bad override falls back to the palette
  });

  it("draws ids missing from the class set grey and names them", () => {
    const s = classSet([{ id: 1, name: "car" }]);
    expect(s.get(9)).toMatchObject({ id: 9, name: "class 9", color: UNKNOWN_COLOR, known: false });
    expect(s.get("1")).toMatchObject({ id: 1, name: "car", known: true });
    expect(s.has(9)).toBe(false);
    expect(s.has(1)).toBe(true);
  });

  it("keeps palette colors when there is no class set at all", () => {
    const s = classSet(undefined);
    expect(s.empty).toBe(true);
    expect(s.get(4)).toMatchObject({ name: "class 4", color: PALETTE[4], known: false });
  });

  it("keeps names as given (text, never parsed)", () => {
    const evil = "<img src=x onerror=alert(1)>";
    const s = classSet([{ id: 0, name: evil }]);
    expect(s.get(0).name).toBe(evil);
  });

  it("memoizes per array and signs the colors", () => {
    const classes = [{ id: 1, name: "car", color: "#ff0000" }];
    expect(classSet(classes)).toBe(classSet(classes));
    expect(classSet(classes).signature).toBe("1:#ff0000");
    expect(classSet([]).signature).toBe("-");
  });

  it("picks readable label text", () => {
    expect(textColorOn([255, 255, 0])).toBe("#000000");
    expect(textColorOn([0, 0, 117])).toBe("#ffffff");
    expect(toHex([1, 171, 255])).toBe("#01abff");
  });
});
