import { describe, expect, it } from "vitest";
import { signInPathFor } from "./request-path";

describe("signInPathFor", () => {
  it("returns to the page asked for, without Next's RSC marker", () => {
    expect(signInPathFor("/pipelines/shop/environments/qa")).toBe("/signin?callbackUrl=%2Fpipelines%2Fshop%2Fenvironments%2Fqa");
    expect(signInPathFor("/deployments?pipeline=shop&environment=qa&_rsc=1x2y")).toBe("/signin?callbackUrl=%2Fdeployments%3Fpipeline%3Dshop%26environment%3Dqa");
  });
  it("lands on the portfolio by default, and never on another host", () => {
    expect(signInPathFor("/")).toBe("/signin");
    expect(signInPathFor(null)).toBe("/signin");
    expect(signInPathFor("//evil.example/x")).toBe("/signin");
    expect(signInPathFor("https://evil.example/")).toBe("/signin");
    expect(signInPathFor("/x/..//evil.example/y")).toBe("/signin");
  });
});
