import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, auditEvents, environments } from "@/db/schema";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { testPipelineConfig } from "@/lib/testing/fixtures";
import { getBoard } from "../pipeline-board";
import { syncPipeline } from "../pipeline-sync";

describe.each(testDatabases)("loading slipway.yaml into the database on $name", (database) => {
  let connection: Connection;
  const clock = fixedClock("2026-01-01T00:00:00Z");
  beforeAll(async () => {
    connection = await database.open();
  });
  afterAll(() => connection.close());

  it("creates the pipeline, its apps and environments in order; an unchanged file writes nothing", async () => {
    const { config, hash } = testPipelineConfig();
    const first = await syncPipeline(connection.db, clock, config, hash);
    expect(first).toMatchObject({ changed: true, addedApps: ["portal", "admin", "api-gateway"], addedEnvironments: ["dev", "qa", "uat", "staging", "prod"] });
    const auditCount = (await connection.db.select().from(auditEvents)).length;
    const second = await syncPipeline(connection.db, clock, config, hash);
    expect(second.changed).toBe(false);
    expect((await connection.db.select().from(auditEvents)).length).toBe(auditCount);

    const board = await getBoard(connection.db, clock, { pipeline: "shop" });
    expect(board?.fixed.map((e) => e.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(board?.apps.map((a) => a.name)).toEqual(["portal", "admin", "api-gateway"]);
    expect(board?.review).toEqual([]);
  });

  it("retires what the file no longer declares and keeps its history; restores it when declared again", async () => {
    const { config, hash } = testPipelineConfig();
    const smaller = { ...config, apps: config.apps.filter((a) => a.name !== "admin"), environments: config.environments.filter((e) => e.name !== "uat") };
    const summary = await syncPipeline(connection.db, clock, smaller, "changed");
    expect(summary).toMatchObject({ retiredApps: ["admin"], retiredEnvironments: ["uat"] });
    const [uat] = await connection.db.select().from(environments).where(eq(environments.name, "uat"));
    expect(uat?.state).toBe("retired");
    const [admin] = await connection.db.select().from(apps).where(eq(apps.name, "admin"));
    expect(admin?.retiredAt).toBeTruthy();
    expect((await getBoard(connection.db, clock, { pipeline: "shop" }))?.fixed.map((e) => e.name)).toEqual(["dev", "qa", "staging", "prod"]);

    await syncPipeline(connection.db, clock, config, hash);
    const board = await getBoard(connection.db, clock, { pipeline: "shop" });
    expect(board?.fixed.map((e) => e.name)).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(board?.apps.map((a) => a.name)).toEqual(["portal", "admin", "api-gateway"]);
    expect((await connection.db.select().from(environments).where(eq(environments.name, "uat"))).length).toBe(1);
  });
});
