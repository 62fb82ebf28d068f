import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, environments, pipelines } from "@/db/schema";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { AmbiguousError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "../errors";
import { listPipelines, parseRef, resolveApp, resolveEnvironment, resolvePipeline, solePipeline } from "../pipeline-scope";
import { syncPipelines } from "../pipeline-sync";
import { putPipeline } from "../pipelines";
import { listAuditEvents } from "../audit-queries";
import { fixedClock } from "@/lib/domain/clock";
import { parsePipelineConfig } from "@/lib/config/load";

const tool = (extra = "") => ["version: 1", "pipeline: { name: tool }", "apps:", "  - name: wiki", "environments:", "  - name: dev", "  - name: prod", extra, ""].join("\n");

describe.each(testDatabases)("several pipelines on $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db); // shop: portal, admin, api-gateway × dev … prod
  });
  afterAll(() => connection.close());

  const snapshot = async () => ({
    pipelines: await connection.db.select().from(pipelines).orderBy(pipelines.name),
    environments: (await connection.db.select().from(environments)).length,
    audit: (await connection.db.select().from(auditEvents)).length,
  });

  it("PUT refuses people without pipeline.manage (developers), before reading the YAML", async () => {
    const developer = await createTestActor(connection.db, ["developer"]);
    await expect(putPipeline(contextFor(connection.db, developer), "tool", tool())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("PUT refuses a bad YAML listing every problem with its line, and changes nothing", async () => {
    const lead = await createTestActor(connection.db, ["tech-lead"]);
    const before = await snapshot();
    const bad = tool().replace("name: wiki", "name: Wiki").replace("  - name: prod", "  - name: prod\n    strategy: yolo");
    const error = await putPipeline(contextFor(connection.db, lead), "tool", bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).code).toBe("invalid_pipeline");
    expect((error as RuleError).message).toMatch(/^PUT \/api\/v1\/pipelines\/tool is not valid \(2 problems\):/);
    expect((error as RuleError).fields).toEqual({
      "apps[0].name": expect.stringMatching(/^line 4: expected a lowercase name/),
      "environments[1].strategy": expect.stringMatching(/^line 8: expected one of rolling, blue-green, recreate/),
    });
    expect(await snapshot()).toEqual(before);
  });

  it("PUT refuses a YAML whose name differs from the path's, and one that would share an address", async () => {
    const lead = await createTestActor(connection.db, ["tech-lead"]);
    const before = await snapshot();
    await expect(putPipeline(contextFor(connection.db, lead), "other", tool())).rejects.toMatchObject({ code: "pipeline_name_mismatch", fields: { "pipeline.name": 'expected "other" (the name in the path)' } });
    const clash = tool().replace("name: wiki", "name: portal");
    await expect(putPipeline(contextFor(connection.db, lead), "tool", clash)).rejects.toMatchObject({
      code: "address_collision",
      message: expect.stringContaining('both run app "portal" in environment "dev" on the local platform'),
    });
    expect(await snapshot()).toEqual(before);
  });

  it("PUT registers a new pipeline (audited pipeline.load by the caller), then updates it; an unchanged text changes nothing", async () => {
    const lead = await createTestActor(connection.db, ["tech-lead"]);
    const first = await putPipeline(contextFor(connection.db, lead), "tool", tool());
    expect(first).toMatchObject({ created: true, summary: { changed: true, addedApps: ["wiki"], addedEnvironments: ["dev", "prod"] } });
    // The event names the pipeline as people know it ("tool"), not by its id.
    const loads = () =>
      connection.db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "pipeline.load"), eq(auditEvents.targetType, "pipeline"), eq(auditEvents.targetId, "tool")));
    expect(await loads()).toEqual([expect.objectContaining({ actorId: lead.id })]);
    expect(await connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, first.pipeline.id))).toEqual([]);
    const again = await putPipeline(contextFor(connection.db, lead), "tool", tool());
    expect(again).toMatchObject({ created: false, summary: { changed: false } });
    const updated = await putPipeline(contextFor(connection.db, lead), "tool", tool().replace("  - name: prod", "  - name: qa\n  - name: prod"));
    expect(updated.summary).toMatchObject({ changed: true, addedEnvironments: ["qa"] });
    expect(await loads()).toHaveLength(2);
    // The pipeline filter of the audit page finds them by that name.
    const listed = await listAuditEvents(contextFor(connection.db, lead), { pipeline: "tool", action: "pipeline.load" });
    expect(listed.items.map((e) => e.targetId)).toEqual(["tool", "tool"]);
    expect((await listPipelines(connection.db)).map((p) => p.name)).toEqual(["shop", "tool"]);
  });

  it("resolves references: qualified, bare and unique, bare and ambiguous (409 with candidates), unknown", async () => {
    expect(parseRef("shop/dev")).toEqual({ pipeline: "shop", name: "dev" });
    expect(parseRef("dev")).toEqual({ pipeline: null, name: "dev" });
    const shop = await resolvePipeline(connection.db, "shop");
    const toolPipeline = await resolvePipeline(connection.db, "tool");
    expect((await resolveEnvironment(connection.db, "shop/dev")).pipelineId).toBe(shop.id);
    expect((await resolveEnvironment(connection.db, "tool/dev")).pipelineId).toBe(toolPipeline.id);
    expect((await resolveEnvironment(connection.db, "dev", { pipeline: "tool" })).pipelineId).toBe(toolPipeline.id);
    expect((await resolveEnvironment(connection.db, "staging")).pipelineId).toBe(shop.id); // only shop has it

    const ambiguous = await resolveEnvironment(connection.db, "dev").catch((e: unknown) => e);
    expect(ambiguous).toBeInstanceOf(AmbiguousError);
    expect(ambiguous).toMatchObject({ status: 409, code: "ambiguous", candidates: ["shop/dev", "tool/dev"], message: 'The environment "dev" exists in pipelines shop and tool: use shop/dev or tool/dev.' });

    await expect(resolveEnvironment(connection.db, "nope")).rejects.toMatchObject({ code: "invalid_input", fields: { environment: expect.stringContaining('unknown environment "nope"; expected one of shop/dev') } });
    await expect(resolveEnvironment(connection.db, "staging", { pipeline: "tool" })).rejects.toMatchObject({ fields: { environment: 'unknown environment "staging"; expected one of dev, qa, prod' } });
    await expect(resolveEnvironment(connection.db, "shop/dev", { pipeline: "tool" })).rejects.toBeInstanceOf(ValidationError);
    await expect(resolveEnvironment(connection.db, "nope/dev")).rejects.toBeInstanceOf(ValidationError);
    await expect(resolvePipeline(connection.db, "nope")).rejects.toBeInstanceOf(NotFoundError);
    await expect(solePipeline(connection.db)).rejects.toMatchObject({ code: "ambiguous", candidates: ["shop", "tool"] });

    expect((await resolveApp(connection.db, "wiki")).pipelineId).toBe(toolPipeline.id);
    expect((await resolveApp(connection.db, "shop/portal")).pipelineId).toBe(shop.id);
    await expect(resolveApp(connection.db, "tool/portal")).rejects.toMatchObject({ fields: { app: 'unknown app "tool/portal"; expected one of wiki' } });
  });

  it("start-up loads pipelines by name and leaves one missing from the directory as it is", async () => {
    const parsed = parsePipelineConfig(tool().replace("name: tool", "name: extra").replace("name: wiki", "name: extra-app"));
    if (!parsed.ok) throw new Error("bad fixture");
    const before = (await resolvePipeline(connection.db, "tool")).configHash;
    const { summaries, untouched } = await syncPipelines(connection.db, fixedClock("2026-01-02T00:00:00Z"), [{ source: "extra.yaml", config: parsed.config, hash: parsed.hash }]);
    expect(summaries).toMatchObject([{ name: "extra", source: "extra.yaml", changed: true }]);
    expect(untouched).toEqual(["shop", "tool"]);
    expect((await resolvePipeline(connection.db, "tool")).configHash).toBe(before);
    expect((await resolveEnvironment(connection.db, "tool/prod")).state).toBe("active");
  });
});
