import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { configVariables, environments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, testPipelineConfig } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { setConfigVariable, listConfig } from "../config-vars";
import { ForbiddenError, RuleError } from "../errors";
import { syncPipeline } from "../pipeline-sync";
import { createReviewEnvironment } from "../review-environments";
import { requestDeployment } from "../deployments";

async function reviewCount(connection: Connection) {
  const [row] = await connection.db
    .select({ n: sql<number>`count(*)::int` })
    .from(environments)
    .where(eq(environments.kind, "review"));
  return row!.n;
}

describe.each(testDatabases)("review environments clone only allowed sources on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let techLead: Actor;
  let n = 0;
  const release = async (actor: Actor) => makeRelease(connection.db, actor, `3.0.${++n}`, { branch: `feature/clone-${n}` });

  const savedKey = process.env.SLIPWAY_SECRET_KEY;
  beforeAll(async () => {
    process.env.SLIPWAY_SECRET_KEY = Buffer.alloc(32, 9).toString("base64");
    connection = await database.open();
    const { config, hash } = testPipelineConfig();
    await syncPipeline(connection.db, fixedClock("2026-01-01T00:00:00Z"), config, hash);
    developer = await createTestActor(connection.db, ["developer"]);
    techLead = await createTestActor(connection.db, ["tech-lead"]);
    for (const [environment, key, value, secret] of [
      ["staging", "API_URL", "https://staging.internal", false],
      ["staging", "STRIPE_KEY", "sk_staging", true],
      ["prod", "STRIPE_KEY", "sk_live", true],
    ] as const) {
      await setConfigVariable(contextFor(connection.db, techLead), { environment, key, value, secret, reason: "test setup" });
    }
  });
  afterAll(async () => {
    if (savedKey === undefined) delete process.env.SLIPWAY_SECRET_KEY;
    else process.env.SLIPWAY_SECRET_KEY = savedKey;
    await connection.close();
  });

  it("the issue's example: a developer passing source: prod is refused (source_not_allowed) and nothing is created", async () => {
    const r = await release(developer);
    const before = await reviewCount(connection);
    const error = await createReviewEnvironment(contextFor(connection.db, developer), { branch: r.branch, releaseId: r.id, source: "prod" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleError);
    expect(error).toMatchObject({ code: "source_not_allowed", fields: { source: "expected staging" } });
    expect(await reviewCount(connection)).toBe(before);
    // Nor from any other environment of the chain that slipway.yaml does not list.
    await expect(createReviewEnvironment(contextFor(connection.db, techLead), { branch: r.branch, releaseId: r.id, source: "qa" })).rejects.toMatchObject({ code: "source_not_allowed" });
  });

  it("the configured source clones with secrets by reference, never in clear", async () => {
    const r = await release(developer);
    const { environment } = await createReviewEnvironment(contextFor(connection.db, developer), { branch: r.branch, releaseId: r.id });
    const copied = await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, environment.id));
    expect(copied.map((v) => [v.key, v.value, v.secret, Boolean(v.sourceVariableId), v.encryptedValue]).sort()).toEqual([
      ["API_URL", "https://staging.internal", false, false, null],
      ["STRIPE_KEY", null, true, true, null],
    ]);
  });

  describe("with prod allowed as a source but restricted in slipway.yaml", () => {
    beforeAll(async () => {
      const { config, hash } = testPipelineConfig();
      config.reviewEnvironments.sources = ["staging", "prod"];
      const prod = config.environments.find((e) => e.name === "prod")!;
      prod.access = { deploy: ["tech-lead"], viewConfig: ["tech-lead"] };
      const staging = config.environments.find((e) => e.name === "staging")!;
      staging.access = { viewConfig: ["tech-lead", "delivery-lead"] };
      await syncPipeline(connection.db, fixedClock("2026-01-02T00:00:00Z"), config, `${hash}-clone-sources`);
    });

    it("cloning prod needs the right to deploy into prod: a developer gets 403, a tech lead gets the clone", async () => {
      const r = await release(developer);
      const before = await reviewCount(connection);
      const error = await createReviewEnvironment(contextFor(connection.db, developer), { branch: r.branch, releaseId: r.id, source: "prod" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as ForbiddenError).message).toBe("Not allowed: only the tech lead role may deploy into this environment.");
      expect(await reviewCount(connection)).toBe(before);
      const { environment } = await createReviewEnvironment(contextFor(connection.db, techLead), { branch: r.branch, releaseId: r.id, source: "prod" });
      const copied = await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, environment.id));
      expect(copied.map((v) => [v.key, v.secret, v.value])).toEqual([["STRIPE_KEY", true, null]]);
    });

    it("the same deploy right holds for deployments into prod", async () => {
      const r = await release(developer);
      await expect(requestDeployment(contextFor(connection.db, developer), { environment: "prod", releaseId: r.id })).rejects.toBeInstanceOf(ForbiddenError);
    });

    it("a creator who may not see the source's config gets a clone without it (no secret references)", async () => {
      const r = await release(developer);
      const { environment } = await createReviewEnvironment(contextFor(connection.db, developer), { branch: r.branch, releaseId: r.id });
      expect(await connection.db.select().from(configVariables).where(eq(configVariables.environmentId, environment.id))).toEqual([]);
      await expect(listConfig(contextFor(connection.db, developer), { environment: "staging" })).rejects.toBeInstanceOf(ForbiddenError);
      const lead = await createTestActor(connection.db, ["delivery-lead"]);
      const r2 = await release(lead);
      const clone = await createReviewEnvironment(contextFor(connection.db, lead), { branch: r2.branch, releaseId: r2.id });
      const copied = await connection.db
        .select()
        .from(configVariables)
        .where(and(eq(configVariables.environmentId, clone.environment.id), eq(configVariables.secret, true)));
      expect(copied).toHaveLength(1);
    });
  });
});
