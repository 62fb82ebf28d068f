import { describe, expect, it } from "vitest";
import { findUnstorableText, unstorableTextReason } from "./storable-text";

describe("text PostgreSQL cannot store", () => {
  it("finds the NUL in the issue's promote body", () => {
    expect(findUnstorableText(JSON.parse('{"releaseId":"\\u0000"}'))).toEqual({ releaseId: "must not contain NUL (\\u0000) characters" });
  });

  it("names nested fields, array items, keys and the root", () => {
    expect(findUnstorableText({ a: { b: ["ok", "x\u0000y"] } })).toEqual({ "a.b.1": expect.stringContaining("NUL") });
    expect(findUnstorableText({ vars: { "K\u0000": "v" } })).toEqual({ "vars (a key)": expect.stringContaining("NUL") });
    expect(findUnstorableText("\u0000")).toEqual({ body: expect.stringContaining("NUL") });
    expect(findUnstorableText({ name: "\u0000" }, "")).toEqual({ name: expect.any(String) });
  });

  it("refuses unpaired surrogates but keeps real astral characters", () => {
    expect(unstorableTextReason(JSON.parse('"\\ud800"'))).toMatch(/unpaired surrogate/);
    expect(unstorableTextReason(JSON.parse('"a\\udc00"'))).toMatch(/unpaired surrogate/);
    expect(unstorableTextReason("ship it 🚀 — ok")).toBeNull();
    expect(findUnstorableText({ reason: "tab\tnewline\n are fine", n: 1, b: true, z: null })).toEqual({});
  });
});
