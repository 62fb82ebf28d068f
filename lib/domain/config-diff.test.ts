import { describe, expect, it } from "vitest";
import { diffConfig, sameConfig, type ConfigValue } from "./config-diff";

const v = (key: string, value: string, app: string | null = null, secret = false): ConfigValue => ({ key, app, value, secret });

describe("config diff", () => {
  it("the issue's example: rolling back from R2's config (FEATURE_X=on) to R1's (none)", () => {
    expect(diffConfig([v("FEATURE_X", "on")], [])).toEqual([{ key: "FEATURE_X", app: null, change: "removed", secret: false, from: "on", to: null }]);
  });

  it("lists added, removed and changed variables per app, sorted", () => {
    expect(diffConfig([v("B", "1"), v("A", "x", "portal")], [v("B", "2"), v("A", "x", "portal"), v("A", "y")])).toEqual([
      { key: "A", app: null, change: "added", secret: false, from: null, to: "y" },
      { key: "B", app: null, change: "changed", secret: false, from: "1", to: "2" },
    ]);
  });

  it("never shows a secret's value, only that it changed", () => {
    expect(diffConfig([v("PW", "old", null, true)], [v("PW", "new", null, true)])).toEqual([{ key: "PW", app: null, change: "changed", secret: true, from: null, to: null }]);
    expect(diffConfig([v("PW", "plain")], [v("PW", "hidden", null, true)])).toEqual([{ key: "PW", app: null, change: "changed", secret: true, from: null, to: null }]);
    expect(diffConfig([], [v("PW", "s", null, true)])[0]).toMatchObject({ change: "added", to: null });
  });

  it("equal configs have no difference", () => {
    expect(sameConfig([v("A", "1"), v("B", "2", "admin")], [v("B", "2", "admin"), v("A", "1")])).toBe(true);
    expect(sameConfig([v("A", "1")], [v("A", "1", "admin")])).toBe(false);
  });
});
