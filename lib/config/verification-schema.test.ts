import { describe, expect, it } from "vitest";
import { configOf, edit, MINIMAL, problemsOf } from "./test-helpers";

const withProd = (lines: string) => edit(MINIMAL, "  - name: prod\n", `  - name: prod\n${lines}`);
const withDev = (lines: string) => edit(MINIMAL, "  - name: dev\n", `  - name: dev\n${lines}`);

describe("verifications in slipway.yaml", () => {
  it("accepts `verified: [e2e]` (timeout 1h) and the long form with a timeout", () => {
    expect(configOf(withProd("    gates: { verified: [e2e, perf] }\n")).environments[1]!.gates.verified).toEqual({ names: ["e2e", "perf"], timeout: 3_600_000 });
    expect(configOf(withProd("    gates: { verified: { names: [e2e], timeout: 2h } }\n")).environments[1]!.gates.verified).toEqual({ names: ["e2e"], timeout: 7_200_000 });
  });

  it("accepts verification jobs Slipway runs itself", () => {
    const config = configOf(withDev("    verifications: [{ name: e2e, app: portal, job: e2e-tests }]\n"));
    expect(config.environments[0]!.verifications).toEqual([{ name: "e2e", app: "portal", job: "e2e-tests" }]);
    expect(config.environments[1]!.verifications).toEqual([]);
  });

  it("refuses `verified` on the first environment, an unknown app, a duplicate name and a bad name", () => {
    const text = withDev("    gates: { verified: [e2e] }\n    verifications: [{ name: e2e, app: shop, job: t }, { name: e2e, app: portal, job: t }, { name: E2E, app: portal, job: t }]\n");
    const problems = problemsOf(text).map((p) => [p.path, p.message]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ["environments[0].gates.verified", "verified is not allowed on the first environment: it checks verifications in the environment before this one"],
        ["environments[0].verifications[0].app", 'unknown app "shop" (declared apps: portal, admin)'],
        ["environments[0].verifications[1].name", 'duplicate verification "e2e" (already at [0])'],
        ["environments[0].verifications[2].name", expect.stringContaining("expected a lowercase name")],
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});
