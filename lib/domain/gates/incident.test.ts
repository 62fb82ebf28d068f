import { describe, expect, it } from "vitest";
import { evaluateIncident, type OpenIncident } from "./incident";

const now = new Date("2026-06-01T15:30:00Z");
const incident = (over: Partial<OpenIncident>): OpenIncident => ({ id: "inc_1", title: "Checkout 500s", severity: "major", openedAt: new Date("2026-06-01T12:02:00Z"), openedBy: "Ana Lima", ...over });

describe("incident gate", () => {
  it("passes with no open incident", () => {
    expect(evaluateIncident("prod", [], now)).toMatchObject({ status: "pass", reason: "no open incident on prod" });
  });

  it("fails (a person must resolve it) with what, how bad and since when, in the display zone", () => {
    const result = evaluateIncident("prod", [incident({})], now, "Europe/Berlin");
    expect(result).toMatchObject({ status: "fail", reason: "open incident on prod: 'Checkout 500s' (major, since 14:02) — resolve it before deploying" });
    expect(result.recheckAt).toBeUndefined();
    expect(result.detail).toMatchObject({ incidents: [{ id: "inc_1", openedBy: "Ana Lima" }] });
  });

  it("names every open incident, oldest first, with the day when not today", () => {
    const result = evaluateIncident("prod", [incident({}), incident({ id: "inc_0", title: "Slow search", severity: "minor", openedAt: new Date("2026-05-31T08:15:00Z") })], now);
    expect(result.reason).toBe("2 open incidents on prod: 'Slow search' (minor, since 31 May 08:15); 'Checkout 500s' (major, since 12:02) — resolve them before deploying");
  });
});
