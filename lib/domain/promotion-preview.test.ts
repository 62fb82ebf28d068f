import { describe, expect, it } from "vitest";
import { environmentSchema } from "@/lib/config/schema";
import { describePromotion } from "./promotion-preview";

const env = (raw: Record<string, unknown>) => environmentSchema.parse(raw);
// Sunday 29 Nov 2026, 15:00 UTC = 16:00 in Berlin: outside a Mon–Thu 09:00–17:00 window.
const SUNDAY = new Date("2026-11-29T15:00:00Z");
// Tuesday 1 Dec 2026, 10:00 UTC = 11:00 in Berlin: inside it.
const TUESDAY = new Date("2026-12-01T10:00:00Z");
const WINDOW = { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: "Europe/Berlin" };

describe("describePromotion", () => {
  it("says a recreate environment closes and keeps nothing warm", () => {
    const preview = describePromotion({ to: "uat", from: "qa", config: env({ name: "uat", apps: { "api-gateway": { strategy: "recreate" } } }), now: TUESDAY });
    expect(preview.rollout).toContain("uat is recreated: it closes");
    expect(preview.rollout).toContain("Nothing stays warm");
    expect(preview.rollout).not.toContain("stays warm for");
    expect(preview.waits).toEqual([]);
  });

  it("says how long blue-green keeps the old release warm, in one clean sentence", () => {
    const preview = describePromotion({ to: "prod", from: "staging", config: env({ name: "prod", strategy: "blue-green", warmFor: "45m" }), now: TUESDAY });
    expect(preview.rollout).toContain("stays warm for 45 min after the switch");
    expect(preview.rollout).not.toMatch(/\.\./);
  });

  it("says rolling shifts traffic in steps", () => {
    expect(describePromotion({ to: "dev", from: null, config: env({ name: "dev" }), now: TUESDAY }).rollout).toContain("in steps (25 %, 50 %, 75 %)");
  });

  it("into an environment where nothing runs yet, promises no current release serving meanwhile", () => {
    const rollout = describePromotion({ to: "prod", from: "staging", config: env({ name: "prod", strategy: "blue-green" }), empty: true, now: TUESDAY }).rollout;
    expect(rollout).toBe("Nothing runs in prod yet: its apps start on this release, and prod serves once they are healthy. Its blue-green strategy applies from the next release.");
  });

  it("says the window is closed now and when it opens, in the window's zone, with who may override", () => {
    const config = env({ name: "prod", strategy: "blue-green", gates: { windows: [WINDOW] }, overrides: { roles: ["delivery-lead"] } });
    const closed = describePromotion({ to: "prod", from: "staging", config, now: SUNDAY });
    expect(closed.waits).toEqual(["prod's deploy window is closed now; it opens Mon 09:00 Europe/Berlin (in 17 h). The deployment waits for it, unless a delivery lead overrides it with a reason."]);
    expect(describePromotion({ to: "prod", from: "staging", config, now: TUESDAY }).waits).toEqual([]);
  });

  it("names an active freeze with its end, approvals and the checklist; a hold is a note, not a wait", () => {
    const config = env({
      name: "prod",
      gates: {
        freezes: [{ name: "year-end", reason: "Trading peak", start: "2026-11-28T00:00:00Z", end: "2026-12-02T00:00:00Z" }],
        approvals: { rules: [{ role: "tech-lead" }, { role: "pm" }] },
        checklist: ["Release notes sent"],
      },
    });
    const preview = describePromotion({ to: "prod", from: "staging", config, hold: { reason: "bad release" }, holdLifters: "a delivery lead, tech lead or admin", now: SUNDAY });
    expect(preview.notes).toEqual([
      "prod is on hold after a rollback (bad release): this deployment goes ahead, as any a person asks for does; prod takes no automatic promotion, and the hold stays until a delivery lead, tech lead or admin lifts it.",
    ]);
    expect(preview.waits).toEqual([
      "prod is frozen now by year-end (Trading peak) until 2 Dec 00:00 UTC (in 2 d 9 h): the deployment waits.",
      "It needs approval by 1 tech lead and 1 product manager (not by you) before it starts.",
      "You tick 1 pre-flight checklist item on its page before it starts.",
    ]);
    const automatic = describePromotion({ to: "qa", from: "dev", config: env({ name: "qa", autoPromote: true }), hold: { reason: null }, holdLifters: "a tech lead or admin", now: SUNDAY });
    expect(automatic).toMatchObject({ waits: [], notes: ["qa is on hold after a rollback: this deployment goes ahead, as any a person asks for does; automatic promotion waits until a tech lead or admin lifts the hold."] });
  });
});
