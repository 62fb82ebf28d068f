import { describe, expect, it } from "vitest";
import { environmentSchema } from "@/lib/config/schema";
import { fastTrackOffer, waitingInto, type ChainColumn } from "./board-moves";

const env = (raw: Record<string, unknown>) => environmentSchema.parse(raw);
// Sunday 29 Nov 2026, 15:00 UTC: outside a Mon–Thu 09:00–17:00 Berlin window; Tuesday 10:00 UTC inside it.
const SUNDAY = new Date("2026-11-29T15:00:00Z");
const TUESDAY = new Date("2026-12-01T10:00:00Z");
const WINDOW = { days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: "Europe/Berlin" };

const column = (name: string, config: Record<string, unknown> = {}): ChainColumn => ({
  name,
  config: env({ name, ...config }),
  hold: null,
  release: null,
  versions: new Map(),
  activeReleaseIds: [],
  empty: false,
  rolledBack: null,
});
const candidate = { id: "rel_1", commit: "abcdef1234", versions: [{ app: "portal", version: "1.2.0" }] };
const offer = (prod: ChainColumn, now = TUESDAY) => fastTrackOffer([column("dev"), column("staging"), prod], candidate, [], { rolledBackIn: [], failedIn: [] }, { storedFreezes: [], now })!;

describe("fastTrackOffer", () => {
  it("names, in chain order, where the release was rolled back or its rollout failed", () => {
    const chain = [column("dev"), column("staging"), column("prod")];
    const trouble = { rolledBackIn: ["staging", "review-1"], failedIn: ["staging", "dev"] };
    expect(fastTrackOffer(chain, candidate, ["dev"], trouble, { storedFreezes: [], now: TUESDAY })).toMatchObject({
      rolledBackIn: ["staging"],
      failedIn: ["dev", "staging"],
      skipped: ["staging"],
      advice: "Release abcdef1 failed in dev and staging, and was rolled back in staging: find out why before fast-tracking it",
      notes: ["Release abcdef1 failed in dev and staging, and was rolled back in staging: find out why before fast-tracking it."],
    });
    expect(offer(column("prod"))).toMatchObject({ advice: null, notes: [] });
  });

  it("says whether the fast-track rule asks more than a promotion into the environment", () => {
    const approvals = (rules: { role: string; count?: number }[]) => ({ rules });
    const same = column("prod", { gates: { approvals: approvals([{ role: "tech-lead" }, { role: "pm" }]) }, fastTrack: { branches: ["develop"], approvals: approvals([{ role: "tech-lead" }, { role: "pm" }]) } });
    expect(offer(same)).toMatchObject({ approvals: "tech lead and product manager", stronger: false });
    const more = column("prod", { gates: { approvals: approvals([{ role: "tech-lead" }]) }, fastTrack: { branches: ["develop"], approvals: approvals([{ role: "tech-lead", count: 2 }]) } });
    expect(offer(more)).toMatchObject({ approvals: "2 tech leads", stronger: true });
    // Different, not more: a pm instead of a tech lead.
    const other = column("prod", { gates: { approvals: approvals([{ role: "tech-lead" }]) }, fastTrack: { branches: ["develop"], approvals: approvals([{ role: "pm" }]) } });
    expect(offer(other).stronger).toBe(false);
  });

  it("lists what holds it now, with the fast-track's own approvals", () => {
    const prod = column("prod", {
      gates: { windows: [WINDOW], approvals: { rules: [{ role: "tech-lead" }] } },
      fastTrack: { branches: ["develop"], approvals: { rules: [{ role: "tech-lead" }, { role: "pm" }] } },
    });
    expect(offer(prod, SUNDAY).waits).toEqual([
      "prod's deploy window is closed now; it opens Mon 09:00 Europe/Berlin (in 17 h). The deployment waits for it.",
      "It needs approval by 1 tech lead and 1 product manager (not by you) before it starts.",
    ]);
    expect(offer(prod, TUESDAY).waits).toEqual(["It needs approval by 1 tech lead and 1 product manager (not by you) before it starts."]);
  });
});

describe("waitingInto", () => {
  it("a release just rolled back out of the target is still offered, with a note to find out why first", () => {
    const dev = { ...column("dev"), release: { releaseId: "rel_2", releaseCreatedAt: new Date("2026-11-30T09:00:00Z"), releaseCommit: "bbbbbbb123", version: "1.3.0" }, versions: new Map([["portal", "1.3.0"]]) };
    const qa = { ...column("qa"), release: { releaseId: "rel_1", releaseCreatedAt: new Date("2026-11-29T09:00:00Z"), releaseCommit: "aaaaaaa123", version: "1.2.0" } };
    const facts = { entry: null, apps: ["portal"], storedFreezes: [], now: TUESDAY };
    expect(waitingInto([dev, qa], 1, facts)?.preview.notes).toEqual([]);
    const rolledBack = { ...qa, rolledBack: { releaseId: "rel_2", at: new Date(TUESDAY.getTime() - 12 * 60_000) } };
    const waiting = waitingInto([dev, rolledBack], 1, facts);
    expect(waiting).toMatchObject({ release: { id: "rel_2" }, from: "dev" });
    expect(waiting!.preview.notes).toEqual(["Release bbbbbbb was rolled back in qa 12 min ago: find out why before promoting it again."]);
    // Another release rolled back there says nothing about this one.
    expect(waitingInto([dev, { ...qa, rolledBack: { releaseId: "rel_0", at: TUESDAY } }], 1, facts)?.preview.notes).toEqual([]);
  });
});
