import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

describe("safeCallbackPath", () => {
  it("refuses the backslash trick from the issue (/\\evil.example → /)", () => {
    expect(safeCallbackPath(decodeURIComponent("%2F%5Cevil.example"))).toBe("/");
  });

  it.each([
    ["//evil.example", "/"],
    ["/\\/evil.example", "/"],
    ["\\\\evil.example", "/"],
    ["/\t/evil.example", "/"],
    ["/\n/evil.example", "/"],
    ["https://evil.example/", "/"],
    ["http://localhost:3000.evil.example/", "/"],
    ["javascript:alert(1)", "/"],
    ["evil.example", "/"],
    ["/signin?callbackUrl=%2F%5Cevil.example", "/"],
    ["", "/"],
    [undefined, "/"],
    [42, "/"],
  ])("falls back to / for %j", (value, expected) => {
    expect(safeCallbackPath(value, "http://localhost:3000")).toBe(expected);
  });

  it.each([
    ["/", "/"],
    ["/environments/qa?tab=history#top", "/environments/qa?tab=history#top"],
    ["/deployments/../audit", "/audit"],
    ["http://localhost:3000/audit", "/audit"],
  ])("keeps same-origin %j as %j", (value, expected) => {
    expect(safeCallbackPath(value, "http://localhost:3000")).toBe(expected);
  });
});
