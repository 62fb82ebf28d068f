import { describe, expect, it } from "vitest";
import { fastTrackSchema, gatesSchema, overridesSchema } from "@/lib/config/gates-schema";
import type { GatesConfig } from "@/lib/config/schema";
import { canShip, evaluateGates, explain, nextRecheck, type EvaluateGatesInput, type GateFacts, type GateOutcome } from "./index";

// prod as in slipway.yaml.
const prodGates = gatesSchema.parse({
  tests: true,
  soak: { duration: "30m", maxErrorRate: 0.01, maxP95Ms: 500 },
  windows: [
    { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: "Europe/Berlin" },
    { days: ["fri"], from: "09:00", to: "12:00", timezone: "Europe/Berlin" },
  ],
  freezes: [{ name: "year-end", reason: "Year-end trading peak and holidays", rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", duration: "14d", timezone: "Europe/Berlin" }],
  approvals: {
    rules: [
      { role: "tech-lead", count: 1 },
      { role: "pm", count: 1 },
    ],
    expiresAfter: "24h",
  },
  incident: true,
  checklist: ["release verified in staging", "deploy announced in #releases"],
});
const overrides = overridesSchema.parse({ roles: ["tech-lead", "admin"] });

// Tuesday 2 June 2026, 10:00 in Berlin.
const now = new Date("2026-06-02T08:00:00Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const approval = (userId: string, userName: string, role: "tech-lead" | "pm") => ({
  id: `apr_${userId}`,
  userId,
  userName,
  roles: [role],
  role,
  decision: "approve" as const,
  createdAt: minutesAgo(20),
  releaseId: "rel_1",
  environmentId: "env_prod",
  voidedAt: null,
  userDisabled: false,
});

const green: GateFacts = {
  tests: [{ app: "portal", version: "1.4.0", tests: { passed: true, total: 412, failed: 0 } }],
  soak: { sourceEnvironment: "staging", commit: "abc1234ffff", since: minutesAgo(90), samples: [{ bucketStart: minutesAgo(60), requests: 1000, errors: 1, p95Ms: 300 }] },
  window: {},
  freeze: { stored: [] },
  approvals: {
    requesterId: "u_sam",
    releaseId: "rel_1",
    environmentId: "env_prod",
    approvals: [approval("u_alex", "Alex Kim", "tech-lead"), approval("u_priya", "Priya Shah", "pm")],
    eligible: [
      { role: "tech-lead", people: [{ id: "u_alex", name: "Alex Kim" }] },
      { role: "pm", people: [{ id: "u_priya", name: "Priya Shah" }] },
    ],
  },
  incidents: [],
  checklist: { ticks: ["release verified in staging", "deploy announced in #releases"].map((item) => ({ item, userId: "u_sam", userName: "Sam Lee", tickedAt: minutesAgo(5) })) },
};

const input = (over: Partial<EvaluateGatesInput> = {}, facts: Partial<GateFacts> = {}): EvaluateGatesInput => ({
  environment: { name: "prod", gates: prodGates, overrides },
  facts: { ...green, ...facts },
  now,
  displayTimeZone: "Europe/Berlin",
  ...over,
});
const statuses = (outcomes: GateOutcome[]) => Object.fromEntries(outcomes.map((o) => [o.gate, o.status]));

describe("evaluateGates", () => {
  it("evaluates every configured gate of prod in a stable order", () => {
    const outcomes = evaluateGates(input());
    expect(outcomes.map((o) => o.gate)).toEqual(["tests", "soak", "window", "freeze", "approvals", "incident", "checklist"]);
    expect(outcomes.every((o) => o.status === "pass")).toBe(true);
    expect(canShip(outcomes)).toBe(true);
    expect(explain(outcomes)).toEqual([]);
  });

  it("leaves out gates that are not configured; incident is on unless switched off", () => {
    const dev = evaluateGates({ environment: { name: "dev", gates: gatesSchema.parse({}) }, facts: { freeze: { stored: [] }, incidents: [] }, now });
    expect(dev.map((o) => o.gate)).toEqual(["incident"]);
    const quiet = evaluateGates({ environment: { name: "dev", gates: gatesSchema.parse({ incident: false }) }, facts: { freeze: { stored: [] } }, now });
    expect(quiet).toEqual([]);
    expect(canShip(quiet)).toBe(true);
  });

  it("includes the freeze gate when a stored freeze applies, even with none in slipway.yaml", () => {
    const gates = gatesSchema.parse({ incident: false });
    const stop = { id: "frz_9", name: "stop", reason: "Card data leak", startsAt: minutesAgo(10), endsAt: null, environment: null, createdBy: "Lee Morgan", liftedAt: null };
    const outcomes = evaluateGates({ environment: { name: "qa", gates }, facts: { freeze: { stored: [stop] } }, now });
    expect(outcomes).toMatchObject([{ gate: "freeze", status: "pending" }]);
    expect(canShip(outcomes)).toBe(false);
    const lifted = evaluateGates({ environment: { name: "qa", gates }, facts: { freeze: { stored: [{ ...stop, liftedAt: minutesAgo(1) }] } }, now });
    expect(lifted).toEqual([]);
  });

  it("fails closed when an evaluator throws: an invalid time zone is a failure, never a pass", () => {
    const broken: GatesConfig = { ...prodGates, windows: [{ days: ["tue"], from: "09:00", to: "17:00", timezone: "Europe/Atlantis" }] };
    const outcomes = evaluateGates(input({ environment: { name: "prod", gates: broken, overrides } }));
    const window = outcomes.find((o) => o.gate === "window");
    expect(window).toEqual({ gate: "window", status: "fail", reason: 'could not evaluate the window gate: unknown time zone "Europe/Atlantis"', detail: { error: 'unknown time zone "Europe/Atlantis"' } });
    expect(outcomes.filter((o) => o.gate !== "window").every((o) => o.status === "pass")).toBe(true);
    expect(canShip(outcomes)).toBe(false);
  });

  it("fails closed when the facts of a configured gate were not loaded", () => {
    const outcomes = evaluateGates(input({}, { soak: undefined, incidents: undefined, freeze: undefined }));
    expect(statuses(outcomes)).toMatchObject({ soak: "fail", freeze: "fail", incident: "fail" });
    expect(explain(outcomes)).toEqual([
      "could not evaluate the soak gate: the soak facts were not loaded",
      "could not evaluate the freeze gate: the stored freezes were not loaded",
      "could not evaluate the incident gate: the open incidents were not loaded",
    ]);
  });

  it("fails closed on a broken stored freeze (bad RRULE), even with no freeze in slipway.yaml", () => {
    const bad = { id: "frz_2", name: "bad", reason: "x", startsAt: minutesAgo(10), endsAt: null, rrule: "FREQ=SOMETIMES", durationMs: 3_600_000, timezone: "UTC", environment: "prod", createdBy: "Lee Morgan", liftedAt: null };
    const outcomes = evaluateGates({ environment: { name: "prod", gates: gatesSchema.parse({ incident: false }) }, facts: { freeze: { stored: [bad] } }, now });
    expect(outcomes).toMatchObject([{ gate: "freeze", status: "fail", reason: expect.stringMatching(/^could not evaluate the freeze gate: /) }]);
  });

  it("a fast-track uses the fast-track approval rule instead of the environment's", () => {
    const fastTrack = fastTrackSchema.parse({ branches: ["develop"], approvals: { rules: [{ role: "delivery-lead", count: 1 }] } });
    const outcomes = evaluateGates(input({ fastTrack }));
    expect(outcomes.find((o) => o.gate === "approvals")).toMatchObject({
      status: "pending",
      reason: "needs 1 delivery lead approval, which nobody can ever give as things stand: nobody is a delivery lead — an admin must grant the role to someone else",
    });
  });

  it("explain lists exactly the unmet gates, in order; nextRecheck is the earliest time-driven change", () => {
    const saturday = new Date("2026-06-06T08:00:00Z"); // Sat 10:00 Berlin: window closed
    const outcomes = evaluateGates(
      input(
        { now: saturday },
        {
          tests: [{ app: "admin", version: "2.5.1", tests: null }],
          checklist: { ticks: [] },
          window: { override: undefined },
        },
      ),
    );
    expect(statuses(outcomes)).toEqual({ tests: "fail", soak: "pass", window: "pending", freeze: "pass", approvals: "pending", incident: "pass", checklist: "pending" });
    expect(canShip(outcomes)).toBe(false);
    expect(explain(outcomes)).toEqual([
      "admin 2.5.1 has no test results from CI — fix it and cut a new release",
      "outside the deploy windows: window opens Mon 09:00 Europe/Berlin (in 1 d 23 h) until 17:00; until then a tech lead or admin can override it with a reason",
      "needs 1 tech lead and 1 product manager approval — tech lead: Alex Kim can give it; product manager: Priya Shah can give it (Alex Kim's approval has expired; Priya Shah's approval has expired)",
      "0 of 2 checklist items ticked: 'release verified in staging' and 'deploy announced in #releases' are open",
    ]);
    expect(nextRecheck(outcomes)).toEqual(new Date("2026-06-08T07:00:00Z"));
  });

  it("a waived gate lets the deployment through", () => {
    const outcomes = evaluateGates(
      input(
        { now: new Date("2026-06-06T08:00:00Z") },
        {
          window: { override: { by: "Alex Kim", reason: "hotfix for checkout" } },
          approvals: { ...green.approvals!, approvals: green.approvals!.approvals.map((a) => ({ ...a, createdAt: new Date("2026-06-06T07:00:00Z") })) },
        },
      ),
    );
    expect(statuses(outcomes).window).toBe("waived");
    expect(canShip(outcomes)).toBe(true);
    expect(nextRecheck(outcomes)).toEqual(new Date("2026-06-07T07:00:00Z")); // the approvals expire
  });

  it("canShip refuses any fail or pending", () => {
    const base = { gate: "tests" as const, reason: "r" };
    expect(
      canShip([
        { ...base, status: "pass" },
        { ...base, status: "waived" },
      ]),
    ).toBe(true);
    expect(
      canShip([
        { ...base, status: "pass" },
        { ...base, status: "pending" },
      ]),
    ).toBe(false);
    expect(canShip([{ ...base, status: "fail" }])).toBe(false);
    expect(nextRecheck([{ ...base, status: "pass" }])).toBeNull();
  });
});
