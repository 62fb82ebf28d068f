import { describe, expect, it } from "vitest";
import type { Freeze } from "@/lib/config/schema";
import { gatesSchema } from "@/lib/config/gates-schema";
import { activeFreezes, evaluateFreeze, nextFreezeStart, type FreezeSources, type StoredFreeze } from "./freeze";

const at = (iso: string) => new Date(iso);
const DAY = 86_400_000;
// The year-end freeze of prod in slipway.yaml, parsed by the real schema (duration in ms).
const yearEnd = gatesSchema.parse({
  freezes: [{ name: "year-end", reason: "Year-end trading peak and holidays", rrule: "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22", duration: "14d", timezone: "Europe/Berlin" }],
}).freezes;

const sources = (configured: Freeze[], stored: StoredFreeze[] = [], environment = "prod"): FreezeSources => ({ configured, stored, environment, displayTimeZone: "Europe/Berlin" });
const stored = (over: Partial<StoredFreeze>): StoredFreeze => ({
  id: "frz_1",
  name: "payments outage",
  reason: "Payment provider outage",
  startsAt: at("2026-06-01T08:00:00Z"),
  endsAt: null,
  environment: "prod",
  createdBy: "Lee Morgan",
  liftedAt: null,
  ...over,
});
const evaluate = (src: FreezeSources, now: string, extra = {}) => evaluateFreeze({ ...src, ...extra }, at(now));

describe("freeze gate: recurring freezes from slipway.yaml", () => {
  it("starts at local midnight on 22 Dec and covers 3 Jan of the next year", () => {
    // 22 Dec 00:00 CET is 21 Dec 23:00Z; 14 calendar days later is 5 Jan 00:00 CET = 4 Jan 23:00Z.
    expect(evaluate(sources(yearEnd), "2026-12-21T22:59:59Z").status).toBe("pass");
    expect(evaluate(sources(yearEnd), "2026-12-21T23:00:00Z").status).toBe("pending");
    const january = evaluate(sources(yearEnd), "2027-01-03T12:00:00Z");
    expect(january.status).toBe("pending");
    expect(january.reason).toBe("frozen by slipway.yaml until 5 Jan 00:00 Europe/Berlin (in 1 d 11 h) because year-end trading peak and holidays");
    expect(january.recheckAt).toEqual(at("2027-01-04T23:00:00Z"));
    expect(evaluate(sources(yearEnd), "2027-01-04T23:00:00Z").status).toBe("pass");
  });

  it("when none is active it passes, names the next one and rechecks when it starts", () => {
    const result = evaluate(sources(yearEnd), "2026-12-18T23:00:00Z");
    expect(result.status).toBe("pass");
    expect(result.reason).toBe("no freeze active; next: 'year-end' from 22 Dec 00:00 Europe/Berlin (in 3 d)");
    expect(result.recheckAt).toEqual(at("2026-12-21T23:00:00Z"));
  });

  it("keeps local midnight across DST: a 14-day freeze from 22 Mar ends at midnight CEST", () => {
    const spring = gatesSchema.parse({
      freezes: [{ name: "quarter-close", reason: "Quarter close", rrule: "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=22", duration: "14d", timezone: "Europe/Berlin" }],
    }).freezes;
    // Starts 22 Mar 00:00 CET (21 Mar 23:00Z); ends 5 Apr 00:00 CEST (4 Apr 22:00Z), not 01:00 CEST.
    expect(activeFreezes(sources(spring), at("2026-03-21T23:00:00Z"))).toMatchObject([{ start: at("2026-03-21T23:00:00Z"), end: at("2026-04-04T22:00:00Z") }]);
    expect(evaluate(sources(spring), "2026-04-04T21:59:59Z").status).toBe("pending");
    expect(evaluate(sources(spring), "2026-04-04T22:00:00Z").status).toBe("pass");
  });

  it("a weekly Friday-afternoon freeze keeps its local hours across the autumn change", () => {
    const weekend = gatesSchema.parse({
      freezes: [{ name: "weekend", reason: "Nobody on call", rrule: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=15", duration: "2d18h", timezone: "Europe/Berlin" }],
    }).freezes;
    // Fri 23 Oct 15:00 CEST = 13:00Z; two calendar days and 18 h later is Mon 26 Oct 09:00 CET = 08:00Z.
    expect(activeFreezes(sources(weekend), at("2026-10-23T13:00:00Z"))).toMatchObject([{ start: at("2026-10-23T13:00:00Z"), end: at("2026-10-26T08:00:00Z") }]);
    expect(evaluate(sources(weekend), "2026-10-23T12:59:00Z").status).toBe("pass");
    // After the change, Friday 15:00 CET is 14:00Z.
    expect(nextFreezeStart(sources(weekend), at("2026-10-26T08:00:00Z"))?.start).toEqual(at("2026-10-30T14:00:00Z"));
  });

  it("a bad rule or zone throws (evaluateGates turns it into a failure)", () => {
    const bad = [{ kind: "recurring", name: "x", reason: "y", rrule: "FREQ=YEARLY", duration: DAY, timezone: "Europe/Atlantis" }] as Freeze[];
    expect(() => evaluate(sources(bad), "2026-06-01T00:00:00Z")).toThrow(/unknown time zone/);
  });
});

describe("freeze gate: one-off and stored freezes", () => {
  const oneOff = gatesSchema.parse({
    freezes: [{ name: "migration", reason: "Datacenter migration", start: "2026-03-02T00:00:00+01:00", end: "2026-03-04T00:00:00+01:00" }],
  }).freezes;

  it("a one-off freeze from slipway.yaml covers [start, end)", () => {
    expect(evaluate(sources(oneOff), "2026-03-01T22:59:59Z").status).toBe("pass");
    const during = evaluate(sources(oneOff), "2026-03-02T10:00:00Z");
    expect(during).toMatchObject({ status: "pending", reason: "frozen by slipway.yaml until 4 Mar 00:00 Europe/Berlin (in 1 d 13 h) because datacenter migration" });
    expect(during.recheckAt).toEqual(at("2026-03-03T23:00:00Z"));
    expect(evaluate(sources(oneOff), "2026-03-03T23:00:00Z").status).toBe("pass");
  });

  it("a stored freeze names who declared it and ends by itself", () => {
    const result = evaluate(sources([], [stored({ endsAt: at("2026-06-02T10:00:00Z") })]), "2026-06-01T12:00:00Z");
    expect(result).toMatchObject({ status: "pending", reason: "frozen by Lee Morgan until 2 Jun 12:00 Europe/Berlin (in 22 h) because payment provider outage" });
  });

  it("an open-ended freeze lasts until lifted and has no recheck time", () => {
    const result = evaluate(sources([], [stored({})]), "2026-06-03T12:00:00Z");
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("frozen by Lee Morgan until lifted because payment provider outage");
    expect(result.recheckAt).toBeUndefined();
  });

  it("a lifted freeze no longer applies", () => {
    const lifted = stored({ liftedAt: at("2026-06-01T09:00:00Z") });
    expect(activeFreezes(sources([], [lifted]), at("2026-06-01T10:00:00Z"))).toEqual([]);
    expect(evaluate(sources([], [lifted]), "2026-06-01T08:30:00Z").status).toBe("pending");
  });

  it("stop the line: a freeze with no environment blocks every environment until lifted", () => {
    const line = stored({ environment: null, reason: "Card data leak under investigation" });
    for (const environment of ["dev", "staging", "prod"]) {
      const result = evaluate(sources([], [line], environment), "2026-06-01T09:00:00Z");
      expect(result.status).toBe("pending");
      expect(result.reason).toBe("stop the line: every environment is frozen by Lee Morgan until lifted because card data leak under investigation");
    }
  });

  it("a stored freeze for another environment does not apply", () => {
    expect(activeFreezes(sources([], [stored({ environment: "staging" })]), at("2026-06-01T09:00:00Z"))).toEqual([]);
  });

  it("a stored recurring freeze repeats at its local start time across DST", () => {
    // Every Friday 18:00 Berlin for 2 days 15 h (until Monday 09:00), first on Friday 2 Jan 2026.
    const weekly = stored({ rrule: "FREQ=WEEKLY;BYDAY=FR", durationMs: 2 * DAY + 15 * 3_600_000, timezone: "Europe/Berlin", startsAt: at("2026-01-02T17:00:00Z") });
    expect(evaluate(sources([], [weekly]), "2026-01-02T16:59:00Z").status).toBe("pass");
    expect(evaluate(sources([], [weekly]), "2026-01-02T17:00:00Z").status).toBe("pending");
    // 3 Apr 2026 is after the spring change: 18:00 CEST = 16:00Z, until Mon 6 Apr 09:00 CEST = 07:00Z.
    expect(activeFreezes(sources([], [weekly]), at("2026-04-03T16:30:00Z"))).toMatchObject([{ start: at("2026-04-03T16:00:00Z"), end: at("2026-04-06T07:00:00Z") }]);
    expect(evaluate(sources([], [weekly]), "2026-04-03T15:30:00Z").status).toBe("pass");
    // endsAt ends the series.
    const ended = { ...weekly, endsAt: at("2026-03-01T00:00:00Z") };
    expect(activeFreezes(sources([], [ended]), at("2026-04-03T16:30:00Z"))).toEqual([]);
  });

  it("several active freezes are all named; it rechecks when the first ends", () => {
    const result = evaluate(sources(yearEnd, [stored({ startsAt: at("2026-12-20T00:00:00Z"), endsAt: at("2026-12-23T12:00:00Z") })]), "2026-12-22T12:00:00Z");
    expect(result.reason).toBe(
      "frozen by slipway.yaml until 5 Jan 00:00 Europe/Berlin (in 13 d 11 h) because year-end trading peak and holidays; also frozen by Lee Morgan until 23 Dec 13:00 Europe/Berlin (in 1 d) because payment provider outage",
    );
    expect(result.recheckAt).toEqual(at("2026-12-23T12:00:00Z"));
  });

  it("an override waives an active freeze, naming who, why and which freezes", () => {
    const result = evaluate(sources(yearEnd), "2026-12-24T10:00:00Z", { override: { by: "Ana Lima", reason: "security patch for CVE-2026-1234" } });
    expect(result).toMatchObject({ status: "waived", reason: "freeze overridden by Ana Lima because security patch for CVE-2026-1234 ('year-end')" });
    expect(result.detail).toMatchObject({ override: { by: "Ana Lima" }, active: [{ name: "year-end" }] });
  });

  it("says who may override an active freeze", () => {
    expect(evaluate(sources(yearEnd), "2026-12-24T10:00:00Z", { overridableBy: ["tech-lead", "admin"] }).reason).toMatch(/; a tech lead or admin can override it with a reason$/);
  });
});

describe("freeze gate: rule corner cases", () => {
  const recurring = (rrule: string, duration: number, timezone = "Europe/Berlin") => [{ kind: "recurring", name: "r", reason: "R", rrule, duration, timezone }] as Freeze[];

  it("FREQ=WEEKLY without BYDAY means Mondays from local midnight", () => {
    expect(nextFreezeStart(sources(recurring("FREQ=WEEKLY", 3_600_000)), at("2026-06-03T00:00:00Z"))?.start).toEqual(at("2026-06-07T22:00:00Z"));
  });

  it("UNTIL ends the series: the 2026 year-end freeze happens, the 2027 one does not", () => {
    const once = recurring("FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22;UNTIL=20261231T000000Z", 14 * DAY);
    expect(evaluate(sources(once), "2026-12-28T00:00:00Z").status).toBe("pending");
    expect(evaluate(sources(once), "2027-12-28T00:00:00Z").status).toBe("pass");
  });

  it("COUNT and INTERVAL count from Monday 1 January 2001, the same in every year", () => {
    // Every other week from Mon 1 Jan 2001: Mon 1 Jun 2026 is week 1326 (even) → frozen; 8 Jun is not.
    const fortnightly = recurring("FREQ=WEEKLY;INTERVAL=2", DAY, "UTC");
    expect(evaluate(sources(fortnightly), "2026-06-01T12:00:00Z").status).toBe("pending");
    expect(evaluate(sources(fortnightly), "2026-06-08T12:00:00Z").status).toBe("pass");
  });

  it("refuses a sub-daily rule with COUNT or INTERVAL for slipway.yaml (it has no start to count from)", () => {
    expect(() => evaluate(sources(recurring("FREQ=HOURLY;INTERVAL=2", 60_000)), "2026-06-01T12:00:00Z")).toThrow(/more often than daily/);
  });

  it("overlapping occurrences merge: a daily 25-hour freeze does not end at the next midnight", () => {
    const daily = stored({ rrule: "FREQ=DAILY", durationMs: 25 * 3_600_000, timezone: "UTC", startsAt: at("2026-06-01T00:00:00Z") });
    const [active] = activeFreezes(sources([], [daily]), at("2026-06-02T12:00:00Z"));
    expect(active!.end!.getTime()).toBeGreaterThan(at("2026-07-01T00:00:00Z").getTime());
  });
});

describe("freeze helpers for the UI", () => {
  it("nextFreezeStart finds the next period, across the year boundary", () => {
    const next = nextFreezeStart(sources(yearEnd), at("2027-01-10T00:00:00Z"));
    expect(next).toMatchObject({ name: "year-end", source: "slipway.yaml", start: at("2027-12-21T23:00:00Z"), end: at("2028-01-04T23:00:00Z") });
    expect(nextFreezeStart(sources(yearEnd), at("2027-01-10T00:00:00Z"), 30 * DAY)).toBeNull();
  });

  it("activeFreezes lists each active freeze with its end", () => {
    expect(activeFreezes(sources(yearEnd, [stored({ environment: null })]), at("2026-12-28T00:00:00Z"))).toMatchObject([
      { source: "slipway.yaml", by: "slipway.yaml", end: at("2027-01-04T23:00:00Z") },
      { source: "database", id: "frz_1", by: "Lee Morgan", end: null, allEnvironments: true },
    ]);
  });
});
