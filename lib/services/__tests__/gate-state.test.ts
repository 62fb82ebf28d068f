import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { gatesSchema } from "@/lib/config/gates-schema";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, testPipelineConfig } from "@/lib/testing/fixtures";
import { getBoard } from "../pipeline-board";
import { createFreeze } from "../freezes";
import { loadGateStates } from "../gate-state";
import { declareIncident } from "../incidents";
import { syncPipeline } from "../pipeline-sync";

const NOW = "2026-06-05T11:00:00Z"; // Friday 13:00 in Berlin

describe.each(testDatabases)("live gate state per environment on $name", (database) => {
  let connection: Connection;
  let lead: Actor;

  beforeAll(async () => {
    connection = await database.open();
    const { config, hash } = testPipelineConfig();
    const prod = config.environments.find((e) => e.name === "prod")!;
    prod.gates.windows = gatesSchema.parse({ windows: [{ days: ["mon", "tue", "wed", "thu"], from: "09:00", to: "17:00", timezone: "Europe/Berlin" }] }).windows;
    await syncPipeline(connection.db, fixedClock("2026-01-01T00:00:00Z"), config, `${hash}-with-window`);
    lead = await createTestActor(connection.db, ["delivery-lead"], "Lee");
  });
  afterAll(() => connection.close());

  it("reads freezes (its own and stop-the-line), the window, open incidents per environment", async () => {
    const ctx = contextFor(connection.db, lead, NOW);
    await createFreeze(ctx, { environment: "qa", name: "audit", reason: "auditors on site", endsAt: "2026-06-05T15:00:00Z" });
    await createFreeze(ctx, { name: "stop", reason: "bad data everywhere" });
    await declareIncident(ctx, { environment: "uat", title: "checkout 500s", severity: "minor" });

    const board = (await getBoard(connection.db, ctx.clock, { pipeline: "shop" }))!;
    const states = await loadGateStates(connection.db, ctx.clock, board.fixed);
    expect(states.get("qa")!.frozen.map((f) => [f.name, f.end?.toISOString() ?? null])).toEqual([
      ["stop", null],
      ["audit", "2026-06-05T15:00:00.000Z"],
    ]);
    expect(states.get("dev")!.frozen.map((f) => f.name)).toEqual(["stop"]);
    expect(states.get("uat")!.incidents.map((i) => i.title)).toEqual(["checkout 500s"]);
    expect(states.get("qa")!.incidents).toEqual([]);
    expect(states.get("prod")!.window).toEqual({ open: false, opensAt: new Date("2026-06-08T07:00:00Z"), closesAt: new Date("2026-06-08T15:00:00Z"), timezone: "Europe/Berlin" });
    expect(states.get("staging")!.window).toBeNull();
  });
});
