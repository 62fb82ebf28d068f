import { describe, expect, it } from "vitest";
import type { TimeWindow } from "@/lib/config/schema";
import { inZone } from "./time";
import { currentOpening, evaluateWindow, nextOpening, windowOpenings } from "./window";

const at = (iso: string) => new Date(iso);
const berlin = "Europe/Berlin";
// prod in slipway.yaml: Mon–Thu 09:00–17:00 and Fri 09:00–12:00, Berlin time.
const prod: TimeWindow[] = [
  { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: berlin },
  { days: ["fri"], from: "09:00", to: "12:00", timezone: berlin },
];
const evaluate = (windows: TimeWindow[], now: string, facts = {}) => evaluateWindow(windows, facts, at(now));

describe("window gate: edges", () => {
  it("is open exactly at `from` and closed exactly at `to`", () => {
    // Monday 1 June 2026, CEST (UTC+2): 09:00 local is 07:00Z.
    expect(evaluate(prod, "2026-06-01T07:00:00Z").status).toBe("pass");
    expect(evaluate(prod, "2026-06-01T06:59:59.999Z").status).toBe("pending");
    expect(evaluate(prod, "2026-06-01T14:59:59.999Z").status).toBe("pass");
    const atClose = evaluate(prod, "2026-06-01T15:00:00Z");
    expect(atClose.status).toBe("pending");
    expect(atClose.recheckAt).toEqual(at("2026-06-02T07:00:00Z"));
  });

  it("reads `now` (a UTC instant) on the window's own wall clock, summer and winter", () => {
    // 08:30Z is 10:30 in Berlin in June (CEST) and 09:30 in January (CET).
    expect(evaluate(prod, "2026-06-01T08:30:00Z").status).toBe("pass");
    expect(evaluate(prod, "2026-01-12T08:30:00Z").status).toBe("pass");
    // 07:30Z is 09:30 CEST but 08:30 CET: open in June, closed in January.
    expect(evaluate(prod, "2026-06-01T07:30:00Z").status).toBe("pass");
    const winter = evaluate(prod, "2026-01-12T07:30:00Z");
    expect(winter).toMatchObject({ status: "pending", reason: expect.stringContaining("window opens Mon 09:00 Europe/Berlin (in 30 min)") });
    expect(winter.recheckAt).toEqual(at("2026-01-12T08:00:00Z"));
  });

  it("says when an open window closes and rechecks then", () => {
    const open = evaluate(prod, "2026-06-01T07:00:00Z");
    expect(open.reason).toBe("inside the deploy window until Mon 17:00 Europe/Berlin (closes in 8 h)");
    expect(open.recheckAt).toEqual(at("2026-06-01T15:00:00Z"));
  });

  it("treats adjoining windows as one opening", () => {
    const split: TimeWindow[] = [
      { days: ["mon"], from: "09:00", to: "12:00", timezone: berlin },
      { days: ["mon"], from: "12:00", to: "17:00", timezone: berlin },
    ];
    expect(evaluate(split, "2026-06-01T08:00:00Z").recheckAt).toEqual(at("2026-06-01T15:00:00Z"));
  });

  it("next opening skips the weekend: Friday noon → Monday 09:00", () => {
    const fridayNoon = evaluate(prod, "2026-06-05T10:00:00Z");
    expect(fridayNoon.status).toBe("pending");
    expect(fridayNoon.reason).toBe("outside the deploy windows: window opens Mon 09:00 Europe/Berlin (in 2 d 21 h) until 17:00");
    expect(fridayNoon.recheckAt).toEqual(at("2026-06-08T07:00:00Z"));
    expect(fridayNoon.detail).toMatchObject({ open: false, nextOpensAt: at("2026-06-08T07:00:00Z"), timezone: berlin });
  });

  it("any one open window is enough, whatever its zone", () => {
    const windows: TimeWindow[] = [...prod, { days: ["sat"], from: "09:00", to: "11:00", timezone: "America/New_York" }];
    // Saturday 6 June, 13:30Z = 09:30 EDT.
    expect(evaluate(windows, "2026-06-06T13:30:00Z").status).toBe("pass");
    expect(evaluate(prod, "2026-06-06T13:30:00Z").status).toBe("pending");
  });
});

describe("window gate: midnight", () => {
  // Friday night 22:00 until 02:00: the opening belongs to Friday, the day it starts.
  const night: TimeWindow[] = [{ days: ["fri"], from: "22:00", to: "02:00", timezone: berlin }];

  it("runs past midnight into the next day", () => {
    expect(evaluate(night, "2026-06-05T19:59:00Z").status).toBe("pending"); // Fri 21:59
    expect(evaluate(night, "2026-06-05T20:00:00Z").status).toBe("pass"); // Fri 22:00
    const saturday = evaluate(night, "2026-06-05T23:00:00Z"); // Sat 01:00
    expect(saturday.status).toBe("pass");
    expect(saturday.recheckAt).toEqual(at("2026-06-06T00:00:00Z")); // Sat 02:00
    expect(evaluate(night, "2026-06-06T00:00:00Z").status).toBe("pending"); // Sat 02:00
  });

  it("does not open on a day not listed, even late", () => {
    const saturdayNight = evaluate(night, "2026-06-06T20:30:00Z"); // Sat 22:30
    expect(saturdayNight.status).toBe("pending");
    expect(saturdayNight.reason).toContain("window opens Fri 22:00 Europe/Berlin (in 5 d 23 h)");
    expect(saturdayNight.recheckAt).toEqual(at("2026-06-12T20:00:00Z"));
  });
});

describe("window gate: daylight saving time", () => {
  const sundayEarly = (timezone: string, from = "01:30", to = "03:00"): TimeWindow[] => [{ days: ["sun"], from, to, timezone }];
  /** The opening that starts on local day `day` (YYYY-MM-DD) in the window's zone. */
  const lengthOn = (windows: TimeWindow[], day: string) => {
    const window = windows[0]!;
    const around = windowOpenings(window, new Date(Date.parse(day) - 86_400_000), new Date(Date.parse(day) + 2 * 86_400_000));
    const opening = around.find((o) => inZone(o.opensAt, window.timezone).toISODate() === day);
    return opening ? { opensAt: opening.opensAt.toISOString(), minutes: (opening.closesAt.getTime() - opening.opensAt.getTime()) / 60_000 } : null;
  };

  it("Europe/Berlin spring forward (29 Mar 2026): 01:30–03:00 lasts 30 min", () => {
    const windows = sundayEarly(berlin);
    expect(lengthOn(windows, "2026-03-29")).toEqual({ opensAt: "2026-03-29T00:30:00.000Z", minutes: 30 });
    expect(evaluate(windows, "2026-03-29T00:45:00Z").status).toBe("pass"); // 01:45 CET
    expect(evaluate(windows, "2026-03-29T01:00:00Z").status).toBe("pending"); // 03:00 CEST
  });

  it("Europe/Berlin spring forward: a window opening in the skipped hour opens as the clocks jump", () => {
    const windows = sundayEarly(berlin, "02:30", "04:00");
    expect(evaluate(windows, "2026-03-29T01:15:00Z").status).toBe("pending"); // 03:15 CEST
    expect(evaluate(windows, "2026-03-29T01:30:00Z").status).toBe("pass"); // 02:30 CET = 03:30 CEST
  });

  it("Europe/Berlin fall back (25 Oct 2026): 01:30–03:00 lasts 2 h 30 min, through the repeated hour", () => {
    const windows = sundayEarly(berlin);
    expect(lengthOn(windows, "2026-10-25")).toEqual({ opensAt: "2026-10-24T23:30:00.000Z", minutes: 150 });
    expect(evaluate(windows, "2026-10-25T00:30:00Z").status).toBe("pass"); // 02:30 CEST, first pass
    expect(evaluate(windows, "2026-10-25T01:30:00Z").status).toBe("pass"); // 02:30 CET, second pass
    expect(evaluate(windows, "2026-10-25T02:00:00Z").status).toBe("pending"); // 03:00 CET
  });

  it("Europe/Berlin fall back: a window opening in the repeated hour opens at its first occurrence", () => {
    const windows = sundayEarly(berlin, "02:30", "05:00");
    expect(evaluate(windows, "2026-10-25T00:29:00Z").status).toBe("pending");
    expect(evaluate(windows, "2026-10-25T00:30:00Z").status).toBe("pass");
  });

  it("America/New_York: 01:00–04:00 lasts 2 h on 8 Mar 2026 and 4 h on 1 Nov 2026", () => {
    const windows = sundayEarly("America/New_York", "01:00", "04:00");
    expect(lengthOn(windows, "2026-03-08")).toEqual({ opensAt: "2026-03-08T06:00:00.000Z", minutes: 120 });
    expect(lengthOn(windows, "2026-11-01")).toEqual({ opensAt: "2026-11-01T05:00:00.000Z", minutes: 240 });
    expect(evaluate(windows, "2026-11-01T08:30:00Z").status).toBe("pass"); // 03:30 EST
    expect(evaluate(windows, "2026-03-08T08:30:00Z").status).toBe("pending"); // 04:30 EDT
  });

  it("America/New_York: the next 09:00 opening after the clocks change is an hour earlier in UTC", () => {
    const weekdays: TimeWindow[] = [{ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "17:00", timezone: "America/New_York" }];
    expect(evaluate(weekdays, "2026-03-06T14:00:00Z").status).toBe("pass"); // Fri 09:00 EST
    const fridayEvening = evaluate(weekdays, "2026-03-06T22:00:00Z"); // Fri 17:00 EST
    expect(fridayEvening.recheckAt).toEqual(at("2026-03-09T13:00:00Z")); // Mon 09:00 EDT
    expect(fridayEvening.reason).toContain("window opens Mon 09:00 America/New_York (in 2 d 15 h)");
    expect(nextOpening(weekdays, at("2026-03-06T22:00:00Z"))?.closesAt).toEqual(at("2026-03-09T21:00:00Z"));
  });
});

describe("window gate: overrides and configuration", () => {
  it("an override of a closed window waives it, with who and why", () => {
    const result = evaluate(prod, "2026-06-06T10:00:00Z", { override: { by: "Lee Morgan", reason: "hotfix for checkout" } });
    expect(result).toMatchObject({ status: "waived", reason: "window overridden by Lee Morgan because hotfix for checkout" });
    expect(result.detail).toMatchObject({ override: { by: "Lee Morgan" } });
  });

  it("an override is not needed while the window is open", () => {
    expect(evaluate(prod, "2026-06-01T08:00:00Z", { override: { by: "Lee Morgan", reason: "x" } }).status).toBe("pass");
  });

  it("a closed window says who may override it", () => {
    expect(evaluate(prod, "2026-06-06T10:00:00Z", { overridableBy: ["tech-lead", "admin"] }).reason).toMatch(/; until then a tech lead or admin can override it with a reason$/);
  });

  it("no windows means any time", () => {
    expect(evaluate([], "2026-06-06T03:00:00Z")).toEqual({ gate: "window", status: "pass", reason: "no deploy windows: deployments may start at any time" });
  });

  it("an unknown time zone throws (evaluateGates turns it into a failure)", () => {
    expect(() => evaluate([{ days: ["mon"], from: "09:00", to: "17:00", timezone: "Europe/Atlantis" }], "2026-06-01T08:00:00Z")).toThrow(/unknown time zone "Europe\/Atlantis"/);
  });

  it("currentOpening reports the opening that covers now", () => {
    expect(currentOpening(prod, at("2026-06-05T08:00:00Z"))).toMatchObject({ opensAt: at("2026-06-05T07:00:00Z"), openUntil: at("2026-06-05T10:00:00Z") });
    expect(currentOpening(prod, at("2026-06-06T08:00:00Z"))).toBeNull();
  });
});

describe("window gate: memoised openings", () => {
  // Openings are memoised per window set and UTC day: every instant of a day must still get the
  // answer derived from scratch for that instant (windowOpenings over the old per-call ranges).
  const lateNight: TimeWindow[] = [{ days: ["sun", "wed"], from: "22:30", to: "01:15", timezone: "Pacific/Auckland" }, ...prod];
  const fromScratchNext = (windows: TimeWindow[], now: Date) =>
    windows
      .flatMap((w) => windowOpenings(w, now, new Date(now.getTime() + 9 * 86_400_000)))
      .filter((o) => o.opensAt > now)
      .sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime())[0];
  const fromScratchCovering = (windows: TimeWindow[], now: Date) => windows.flatMap((w) => windowOpenings(w, new Date(now.getTime() - 86_400_000), now)).filter((o) => o.opensAt <= now && now < o.closesAt);

  it("agrees with a from-scratch derivation at every 37 minutes over 16 days, across the Berlin DST change", () => {
    for (let t = at("2026-10-18T00:00:00Z").getTime(); t < at("2026-11-03T00:00:00Z").getTime(); t += 37 * 60_000) {
      const now = new Date(t);
      expect(nextOpening(lateNight, now)?.opensAt, now.toISOString()).toEqual(fromScratchNext(lateNight, now)?.opensAt);
      const covering = fromScratchCovering(lateNight, now);
      expect(Boolean(currentOpening(lateNight, now)), now.toISOString()).toBe(covering.length > 0);
    }
  });

  it("hands out openings nobody can change", () => {
    const next = nextOpening(prod, at("2026-06-01T05:00:00Z"))!;
    expect(Object.isFrozen(next)).toBe(true);
    expect(nextOpening(prod, at("2026-06-01T05:30:00Z"))!.opensAt).toEqual(at("2026-06-01T07:00:00Z"));
  });
});
