import { describe, expect, it } from "vitest";
import type { TimeWindow } from "@/lib/config/schema";
import { gateStateAt, type GateStateFacts } from "./gate-state";

const at = (iso: string) => new Date(iso);
const berlin = "Europe/Berlin";
// Mon–Thu 09:00–17:00 and Fri 09:00–12:00, Berlin time (as prod in slipway.yaml).
const windows: TimeWindow[] = [
  { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: berlin },
  { days: ["fri"], from: "09:00", to: "12:00", timezone: berlin },
];
const facts = (over: Partial<GateStateFacts> = {}): GateStateFacts => ({
  windows: [],
  freezes: { configured: [], stored: [], environment: "prod" },
  incidents: [],
  hold: null,
  ...over,
});

describe("gate state of an environment, now", () => {
  it("with no windows, freezes, incidents or hold, nothing stops a deployment", () => {
    expect(gateStateAt(facts(), at("2026-06-01T10:00:00Z"))).toEqual({ frozen: [], window: null, incidents: [], hold: null, clear: true });
  });

  it("an open window says until when, in the window's zone", () => {
    // Monday 1 June 2026 10:00Z is 12:00 CEST: open until 17:00 CEST (15:00Z).
    const state = gateStateAt(facts({ windows }), at("2026-06-01T10:00:00Z"));
    expect(state.window).toEqual({ open: true, until: at("2026-06-01T15:00:00Z"), timezone: berlin });
    expect(state.clear).toBe(true);
  });

  it("a closed window says when it next opens and closes, also across the weekend", () => {
    // Friday 5 June 2026 13:00 CEST: closed since 12:00, next opening Monday 09:00 CEST.
    const state = gateStateAt(facts({ windows }), at("2026-06-05T11:00:00Z"));
    expect(state.window).toEqual({ open: false, opensAt: at("2026-06-08T07:00:00Z"), closesAt: at("2026-06-08T15:00:00Z"), timezone: berlin });
    expect(state.clear).toBe(false);
  });

  it("lists freezes in force with who and until when; an ended or lifted one is not in force", () => {
    const stored = [
      { id: "frz_1", name: "outage", reason: "payments down", startsAt: at("2026-06-01T08:00:00Z"), endsAt: at("2026-06-01T12:00:00Z"), environment: "prod", createdBy: "Dana", liftedAt: null },
      { id: "frz_2", name: "stop the line", reason: "bad data", startsAt: at("2026-06-01T09:00:00Z"), endsAt: null, environment: null, createdBy: "Lee", liftedAt: null },
      { id: "frz_3", name: "over", reason: "done", startsAt: at("2026-05-01T00:00:00Z"), endsAt: at("2026-05-02T00:00:00Z"), environment: "prod", createdBy: "Lee", liftedAt: null },
    ];
    const configured = [{ kind: "one-off" as const, name: "launch", reason: "big launch", start: "2026-06-01T00:00:00Z", end: "2026-06-02T00:00:00Z" }];
    const state = gateStateAt(facts({ freezes: { configured, stored, environment: "prod" } }), at("2026-06-01T10:00:00Z"));
    expect(state.frozen.map((f) => [f.name, f.by, f.end?.toISOString() ?? null, f.allEnvironments])).toEqual([
      ["stop the line", "Lee", null, true],
      ["launch", "slipway.yaml", "2026-06-02T00:00:00.000Z", false],
      ["outage", "Dana", "2026-06-01T12:00:00.000Z", false],
    ]);
    expect(state.clear).toBe(false);
    expect(gateStateAt(facts({ freezes: { configured: [], stored: [stored[2]!], environment: "prod" } }), at("2026-06-01T10:00:00Z")).frozen).toEqual([]);
  });

  it("an open incident or a hold is not clear", () => {
    const incident = { id: "inc_1", title: "500s", severity: "major", openedAt: at("2026-06-01T09:00:00Z"), openedBy: "Ops" };
    expect(gateStateAt(facts({ incidents: [incident] }), at("2026-06-01T10:00:00Z"))).toMatchObject({ incidents: [incident], clear: false });
    const hold = { at: at("2026-06-01T09:30:00Z"), by: "usr_1", reason: "rolled back" };
    expect(gateStateAt(facts({ hold }), at("2026-06-01T10:00:00Z"))).toMatchObject({ hold, clear: false });
  });
});
