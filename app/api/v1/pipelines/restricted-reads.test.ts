import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import { systemActor } from "@/lib/auth/actor";
import { declareIncident } from "@/lib/services/incidents";
import { createFreeze } from "@/lib/services/freezes";
import { createTeam, setPipelineOwner, setTeamMember } from "@/lib/services/teams";
import { createToken } from "@/lib/services/tokens";
import { ensureSystemUsers } from "@/lib/services/users";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadHandbookPipeline, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeHandbookRelease, makeRelease, placeRelease } from "@/lib/testing/releases";
import { GET as getAudit } from "../audit/route";
import { GET as getDeployment } from "../deployments/[id]/route";
import { GET as getVerifications } from "../deployments/[id]/verifications/route";
import { GET as listBuilds } from "../builds/route";
import { GET as listDeployments } from "../deployments/route";
import { GET as listEnvironmentApps } from "../environments/[name]/apps/route";
import { GET as getConfig } from "../environments/[name]/config/route";
import { GET as getEnvironment } from "../environments/[name]/route";
import { GET as listEnvironments } from "../environments/route";
import { GET as getFreeze } from "../freezes/[id]/route";
import { GET as listFreezes } from "../freezes/route";
import { GET as listIncidents } from "../incidents/route";
import { GET as getRelease } from "../releases/[id]/route";
import { GET as listReleases } from "../releases/route";
import { GET as getTeam } from "../teams/[team]/route";
import { GET as listTeams } from "../teams/route";
import { GET as listPipelines } from "./route";

// A token restricted to one pipeline reads that pipeline only, through every read route (the
// routes called the way Next calls them); the same person's unrestricted token reads everything.

type Page = { items: Record<string, unknown>[] };

describe("a token restricted to one pipeline reads that pipeline only", () => {
  let connection: Connection;
  let restricted: string;
  let unrestricted: string;
  const ids = { shopDeployment: "", handbookDeployment: "", shopRelease: "", handbookRelease: "", handbookFreeze: "", orgFreeze: "" };

  const get = (path: string, token: string) => new NextRequest(`http://localhost/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  const params = <P extends Record<string, string>>(p: P) => ({ params: Promise.resolve(p) });
  const refusal = { error: { code: "forbidden", message: "Not allowed: this token is restricted to pipeline shop." } };

  beforeAll(async () => {
    connection = await testDatabases[0]!.open();
    setProcessConnection(Promise.resolve(connection));
    const db = connection.db;
    await ensureSystemUsers(db);
    await loadTestPipeline(db);
    await loadHandbookPipeline(db);
    const admin = await createTestActor(db, ["admin"], "admin");
    const shopRelease = await makeRelease(db, admin, "1.0.0", { at: "2026-05-04T09:00:00Z" });
    const handbookRelease = await makeHandbookRelease(db, admin, "2.0.0", "2026-05-04T09:00:00Z");
    await placeRelease(db, "shop/dev", shopRelease.id, new Date("2026-05-04T09:30:00Z"), admin.id);
    await placeRelease(db, "handbook/dev", handbookRelease.id, new Date("2026-05-04T09:30:00Z"), admin.id);
    const ctx = contextFor(db, admin, "2026-05-04T10:00:00Z");
    ids.handbookFreeze = (await createFreeze(ctx, { environment: "handbook/prod", name: "docs audit", reason: "No handbook changes during the docs audit" })).id!;
    ids.orgFreeze = (await createFreeze(ctx, { name: "year end", reason: "Year-end close: every pipeline waits" })).id!;
    await declareIncident(ctx, { environment: "handbook/prod", title: "Search returns nothing" });
    await declareIncident(ctx, { title: "Single sign-on is down" });
    // storefront owns shop and handbook; docs owns nothing; a third pipeline would be another team's.
    await createTeam(ctx, { name: "storefront" });
    await createTeam(ctx, { name: "docs" });
    await setPipelineOwner(ctx, "shop", { team: "storefront" });
    await setPipelineOwner(ctx, "handbook", { team: "storefront" });
    // A writer who works on handbook only, and a lead across the team.
    const writer = await createTestActor(db, ["viewer"], "writer");
    const lead = await createTestActor(db, ["viewer"], "lead");
    await setTeamMember(ctx, "storefront", { user: writer.email, roles: ["developer"], pipeline: "handbook" });
    await setTeamMember(ctx, "storefront", { user: lead.email, roles: ["tech-lead"] });
    await setTeamMember(ctx, "storefront", { user: lead.email, roles: ["pm"], pipeline: "handbook" });
    const page = (await (await listDeployments(get("/deployments", (unrestricted = (await createToken(contextFor(db, systemActor("cli")), { userId: admin.id, name: "all" })).token)), params({}))).json()) as Page;
    ids.shopDeployment = String(page.items.find((d) => d.releaseId === shopRelease.id)!.id);
    ids.handbookDeployment = String(page.items.find((d) => d.releaseId === handbookRelease.id)!.id);
    ids.shopRelease = shopRelease.id;
    ids.handbookRelease = handbookRelease.id;
    restricted = (await createToken(contextFor(db, systemActor("cli")), { userId: admin.id, name: "shop CI", pipeline: "shop" })).token;
  });
  afterAll(() => connection.close());

  it("lists without a pipeline are narrowed to its pipeline; naming another is a 403", async () => {
    const deployments = (await (await listDeployments(get("/deployments", restricted), params({}))).json()) as Page;
    expect(deployments.items.map((d) => d.id)).toEqual([ids.shopDeployment]);
    const releases = (await (await listReleases(get("/releases", restricted), params({}))).json()) as Page;
    expect(releases.items.map((r) => r.id)).toEqual([ids.shopRelease]);
    const environments = (await (await listEnvironments(get("/environments", restricted), params({}))).json()) as Page;
    expect(new Set(environments.items.map((e) => e.pipeline))).toEqual(new Set(["shop"]));
    const pipelines = (await (await listPipelines(get("/pipelines", restricted), params({}))).json()) as Page;
    expect(pipelines.items.map((p) => p.name)).toEqual(["shop"]);

    const scoped = await listDeployments(get("/pipelines/handbook/deployments", restricted), params({ pipeline: "handbook" }));
    expect(scoped.status).toBe(403);
    expect(await scoped.json()).toMatchObject(refusal);
    const filtered = await listReleases(get("/releases?pipeline=handbook", restricted), params({}));
    expect(filtered.status).toBe(403);
    // The same person's unrestricted token reads both pipelines.
    const everything = (await (await listDeployments(get("/deployments", unrestricted), params({}))).json()) as Page;
    expect(everything.items).toHaveLength(2);
    // Each item names its pipeline: both have a dev and a prod.
    expect(new Set(everything.items.map((d) => d.pipeline))).toEqual(new Set(["shop", "handbook"]));
  });

  it("a qualified filter naming another pipeline is a 403; a bare one resolves in its pipeline", async () => {
    for (const [route, path] of [
      [listDeployments, "/deployments?environment=handbook%2Fprod"],
      [listReleases, "/releases?environment=handbook%2Fdev"],
      [listBuilds, "/builds?app=handbook%2Fhandbook-web"],
      [listFreezes, "/freezes?environment=handbook%2Fprod"],
      [listIncidents, "/incidents?environment=handbook%2Fprod"],
    ] as const) {
      const refused = await route(get(path, restricted), params({}));
      expect(refused.status, path).toBe(403);
      expect(await refused.json()).toMatchObject(refusal);
    }
    // "prod" is in both pipelines: unrestricted it is ambiguous, restricted it is shop's.
    expect((await listFreezes(get("/freezes?environment=prod", unrestricted), params({}))).status).toBe(409);
    const prodFreezes = (await (await listFreezes(get("/freezes?environment=prod", restricted), params({}))).json()) as Page;
    expect(prodFreezes.items.map((f) => f.id)).toEqual([ids.orgFreeze]);
    const devDeployments = (await (await listDeployments(get("/deployments?environment=dev", restricted), params({}))).json()) as Page;
    expect(devDeployments.items.map((d) => d.id)).toEqual([ids.shopDeployment]);
  });

  it("an environment name resolves in its pipeline; another pipeline's is a 403", async () => {
    // "prod" is in both pipelines: unrestricted it is ambiguous, restricted it is shop's.
    expect((await getEnvironment(get("/environments/prod", unrestricted), params({ name: "prod" }))).status).toBe(409);
    const prod = await getEnvironment(get("/environments/prod", restricted), params({ name: "prod" }));
    expect(await prod.json()).toMatchObject({ pipeline: "shop", name: "prod" });
    expect(await (await getEnvironment(get("/environments/shop%2Fprod", restricted), params({ name: "shop/prod" }))).json()).toMatchObject({ pipeline: "shop" });
    const other = await getEnvironment(get("/environments/handbook%2Fprod", restricted), params({ name: "handbook/prod" }));
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject(refusal);
    // What is inside another pipeline's environment too.
    expect((await listEnvironmentApps(get("/pipelines/handbook/environments/prod/apps", restricted), params({ pipeline: "handbook", name: "prod" }))).status).toBe(403);
    expect((await getConfig(get("/environments/handbook%2Fdev/config", restricted), params({ name: "handbook/dev" }))).status).toBe(403);
    expect((await listEnvironmentApps(get("/environments/dev/apps", restricted), params({ name: "dev" }))).status).toBe(200);
  });

  it("one thing by id is refused when it belongs to another pipeline", async () => {
    const own = await getDeployment(get(`/deployments/${ids.shopDeployment}`, restricted), params({ id: ids.shopDeployment }));
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: ids.shopDeployment, pipeline: "shop" });
    const deployment = await getDeployment(get(`/deployments/${ids.handbookDeployment}`, restricted), params({ id: ids.handbookDeployment }));
    expect(deployment.status).toBe(403);
    expect(await deployment.json()).toMatchObject(refusal);
    expect((await getVerifications(get(`/deployments/${ids.handbookDeployment}/verifications`, restricted), params({ id: ids.handbookDeployment }))).status).toBe(403);
    expect((await getRelease(get(`/releases/${ids.handbookRelease}`, restricted), params({ id: ids.handbookRelease }))).status).toBe(403);
    expect((await getRelease(get(`/releases/${ids.shopRelease}`, restricted), params({ id: ids.shopRelease }))).status).toBe(200);
    expect((await getDeployment(get(`/deployments/${ids.handbookDeployment}`, unrestricted), params({ id: ids.handbookDeployment }))).status).toBe(200);
  });

  it("the teams directory: the team that owns its pipeline, with that pipeline only", async () => {
    const listed = (await (await listTeams(get("/teams", restricted), params({}))).json()) as Page;
    expect(listed.items.map((t) => [t.name, t.pipelines])).toEqual([["storefront", ["shop"]]]);
    // Its members as shop sees them: the lead without their handbook grant, the handbook-only writer not at all.
    const members = listed.items[0]!.members as { name: string; roles: string[]; pipelineRoles: unknown[] }[];
    expect(members.map((m) => [m.name, m.roles, m.pipelineRoles])).toEqual([["lead", ["tech-lead"], []]]);
    expect((await getTeam(get("/teams/storefront", restricted), params({ team: "storefront" }))).status).toBe(200);
    const other = await getTeam(get("/teams/docs", restricted), params({ team: "docs" }));
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject(refusal);
    const everything = (await (await listTeams(get("/teams", unrestricted), params({}))).json()) as Page;
    expect(everything.items.map((t) => t.name)).toEqual(["docs", "storefront"]);
  });

  it("freezes and incidents: its pipeline's and the organisation's, not another pipeline's", async () => {
    const freezes = (await (await listFreezes(get("/freezes", restricted), params({}))).json()) as Page;
    expect(freezes.items.map((f) => f.id)).toContain(ids.orgFreeze);
    expect(freezes.items.map((f) => f.id)).not.toContain(ids.handbookFreeze);
    // The history too, chosen in SQL before its limit (not filtered after it).
    const history = (await (await listFreezes(get("/freezes?includeLifted=true", restricted), params({}))).json()) as Page;
    expect(history.items.map((f) => f.id)).toContain(ids.orgFreeze);
    expect(history.items.every((f) => f.pipeline === null || f.pipeline === "shop")).toBe(true);
    expect((await getFreeze(get(`/freezes/${ids.handbookFreeze}`, restricted), params({ id: ids.handbookFreeze }))).status).toBe(403);
    expect((await getFreeze(get(`/freezes/${ids.orgFreeze}`, restricted), params({ id: ids.orgFreeze }))).status).toBe(200);
    const incidents = (await (await listIncidents(get("/incidents", restricted), params({}))).json()) as Page;
    expect(incidents.items.map((i) => i.title)).toEqual(["Single sign-on is down"]);
    const all = (await (await listIncidents(get("/incidents", unrestricted), params({}))).json()) as Page;
    expect(all.items).toHaveLength(2);
  });

  it("the audit trail spans every pipeline: refused; refused reads are in it, as refused changes are", async () => {
    const audit = await getAudit(get("/audit", restricted), params({}));
    expect(audit.status).toBe(403);
    expect(await audit.json()).toMatchObject(refusal);
    const denied = (await (await getAudit(get("/audit?outcome=denied", unrestricted), params({}))).json()) as Page;
    expect(denied.items.map((e) => [e.action, e.outcome, e.reason])).toContainEqual(["audit.view", "denied", "Not allowed: this token is restricted to pipeline shop."]);
    expect(denied.items.map((e) => [e.action, e.targetType, e.targetId])).toContainEqual(["pipeline.view", "pipeline", "handbook"]);
  });
});
