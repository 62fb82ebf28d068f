import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import type { Environment } from "@/db/schema";
import { systemActor, type Actor } from "@/lib/auth/actor";
import { evaluateFreeze } from "@/lib/domain/gates/freeze";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { registerBuild } from "../builds";
import { requestDeployment } from "../deployments";
import { AmbiguousError } from "../errors";
import { createFreeze } from "../freezes";
import { declareIncident } from "../incidents";
import { openIncidentsForGate } from "../incident-queries";
import { listStoredFreezes } from "@/db/queries/freezes";
import { resolveEnvironment } from "../pipeline-scope";
import { putPipeline } from "../pipelines";
import { createRelease } from "../releases";
import { createToken } from "../tokens";
import { GET as getEnvironmentRoute } from "@/app/api/v1/environments/[name]/route";
import { GET as listEnvironmentsRoute } from "@/app/api/v1/environments/route";
import { GET as getScopedEnvironmentRoute } from "@/app/api/v1/pipelines/[pipeline]/environments/[name]/route";

// The shop (dev … prod, apps portal, admin, api-gateway) and a small tool with its own dev and prod.
const TOOL = ["version: 1", "pipeline: { name: tool }", "apps:", "  - name: wiki", "environments:", "  - name: dev", "  - name: prod", ""].join("\n");

describe.each(testDatabases)("two pipelines with the same environment names on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  let developer: Actor;
  let token: string;
  beforeAll(async () => {
    connection = await database.open();
    setProcessConnection(Promise.resolve(connection));
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["tech-lead"]);
    developer = await createTestActor(connection.db, ["developer"]);
    await putPipeline(contextFor(connection.db, lead), "tool", TOOL);
    token = (await createToken(contextFor(connection.db, systemActor("cli")), { userId: developer.id, name: "multi" })).token;
  });
  afterAll(() => connection.close());

  it("promotes the same environment name in each pipeline independently; a bare name is ambiguous; another pipeline's release is refused", async () => {
    const ctx = contextFor(connection.db, developer);
    const shopRelease = await makeRelease(connection.db, developer, "1.0.0");
    const { build } = await registerBuild(ctx, { app: "wiki", version: "1.0.0", commit: "a".repeat(40), branch: "main", digest: `sha256:${"1".repeat(64)}`, tests: { passed: true } });
    // Nothing names the pipeline: several exist, so the release must say which.
    await expect(createRelease(ctx, { branch: "main", commit: "a".repeat(40) })).rejects.toMatchObject({ code: "ambiguous", candidates: ["shop", "tool"] });
    const { release: toolRelease } = await createRelease(ctx, { branch: "main", commit: "a".repeat(40), builds: [build.id] });
    expect(toolRelease.pipelineId).not.toBe(shopRelease.pipelineId);

    const bare = await requestDeployment(ctx, { environment: "dev", releaseId: toolRelease.id }).catch((e: unknown) => e);
    expect(bare).toBeInstanceOf(AmbiguousError);
    expect(bare).toMatchObject({ candidates: ["shop/dev", "tool/dev"] });

    const intoTool = await requestDeployment(ctx, { environment: "tool/dev", releaseId: toolRelease.id });
    const intoShop = await requestDeployment(ctx, { environment: "shop/dev", releaseId: shopRelease.id });
    const [toolDev, shopDev] = await Promise.all([resolveEnvironment(connection.db, "tool/dev"), resolveEnvironment(connection.db, "shop/dev")]);
    expect(intoTool.environmentId).toBe(toolDev.id);
    expect(intoShop.environmentId).toBe(shopDev.id);
    await expect(requestDeployment(ctx, { environment: "tool/prod", releaseId: shopRelease.id })).rejects.toMatchObject({ code: "other_pipeline" });
  });

  it("freezes one environment, one pipeline, or the whole organisation", async () => {
    const ctx = contextFor(connection.db, lead);
    const [toolDev, toolProd, shopDev] = await Promise.all([resolveEnvironment(connection.db, "tool/dev"), resolveEnvironment(connection.db, "tool/prod"), resolveEnvironment(connection.db, "shop/dev")]);
    const now = ctx.clock.now();
    const frozen = async (environment: Environment) => evaluateFreeze({ configured: [], stored: await listStoredFreezes(connection.db, { environmentId: environment.id }), environment: environment.name }, now);

    await createFreeze(ctx, { environment: "dev", pipeline: "tool", name: "wiki migration", reason: "Moving the wiki's storage" });
    expect((await frozen(toolDev)).status).toBe("pending");
    expect((await frozen(shopDev)).status).toBe("pass"); // the same name in another pipeline
    expect((await frozen(toolProd)).status).toBe("pass");

    await createFreeze(ctx, { pipeline: "tool", name: "tool freeze", reason: "The tool's team is offsite" });
    expect((await frozen(toolProd)).reason).toContain("every environment of tool is frozen by");
    expect((await frozen(shopDev)).status).toBe("pass");

    await createFreeze(ctx, { name: "outage", reason: "Datacenter outage: nothing ships" });
    expect((await frozen(shopDev)).reason).toContain("stop the line: every environment is frozen");
  });

  it("declares incidents on one environment, one pipeline, or the whole organisation; the gate sees what covers it", async () => {
    const ctx = contextFor(connection.db, lead);
    const [toolDev, shopDev] = await Promise.all([resolveEnvironment(connection.db, "tool/dev"), resolveEnvironment(connection.db, "shop/dev")]);
    const titles = async (environment: Environment) => (await openIncidentsForGate(connection.db, environment.id)).map((i) => i.title);

    await declareIncident(ctx, { environment: "dev", pipeline: "tool", title: "Wiki search down" });
    expect(await titles(toolDev)).toEqual(["Wiki search down"]);
    expect(await titles(shopDev)).toEqual([]);

    const toolWide = await declareIncident(ctx, { pipeline: "tool", title: "Tool database degraded" });
    expect(toolWide).toMatchObject({ scope: "pipeline", pipeline: "tool", environment: "every environment of tool" });
    expect(await titles(shopDev)).toEqual([]);

    const everywhere = await declareIncident(ctx, { title: "Cloud region outage" });
    expect(everywhere).toMatchObject({ scope: "organisation", pipeline: null, environment: "every environment" });
    expect(await titles(toolDev)).toEqual(["Wiki search down", "Tool database degraded", "Cloud region outage"]);
    expect(await titles(shopDev)).toEqual(["Cloud region outage"]);
    await expect(declareIncident(ctx, { pipeline: "nope", title: "Nope outage" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("the old API paths answer when the name is unambiguous and 409 with the candidates when not; the new ones are per pipeline", async () => {
    const get = <P extends Record<string, string>>(handler: (r: NextRequest, c: { params: Promise<P> }) => Promise<Response>, url: string, params: P) =>
      handler(new NextRequest(`http://localhost/api/v1${url}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve(params) });

    const ambiguous = await get(getEnvironmentRoute, "/environments/dev", { name: "dev" });
    expect(ambiguous.status).toBe(409);
    expect(await ambiguous.json()).toEqual({ error: expect.objectContaining({ code: "ambiguous", candidates: ["shop/dev", "tool/dev"] }) });

    const unique = await get(getEnvironmentRoute, "/environments/staging", { name: "staging" });
    expect(unique.status).toBe(200);
    expect(await unique.json()).toMatchObject({ pipeline: "shop", name: "staging" });

    const scoped = await get(getScopedEnvironmentRoute, "/pipelines/tool/environments/dev", { pipeline: "tool", name: "dev" });
    expect(scoped.status).toBe(200);
    expect(await scoped.json()).toMatchObject({ pipeline: "tool", name: "dev" });
    expect((await get(getScopedEnvironmentRoute, "/pipelines/tool/environments/staging", { pipeline: "tool", name: "staging" })).status).toBe(404);

    // Paginated: 7 live environments in pages of 3, shop's chain first, then tool's.
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const response: Response = await get(listEnvironmentsRoute, `/environments?limit=3${cursor ? `&cursor=${cursor}` : ""}`, {});
      const body = (await response.json()) as { items: { pipeline: string; name: string }[]; nextCursor: string | null };
      names.push(...body.items.map((e) => `${e.pipeline}/${e.name}`));
      cursor = body.nextCursor;
    } while (cursor);
    expect(names).toEqual(["shop/dev", "shop/qa", "shop/uat", "shop/staging", "shop/prod", "tool/dev", "tool/prod"]);
    // Scoped to a pipeline that does not exist: 404 with its name, not an empty list.
    const unknown = await get(listEnvironmentsRoute, "/pipelines/nope/environments", { pipeline: "nope" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('No pipeline named "nope".');
  });
});
