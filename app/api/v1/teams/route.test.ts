import type { PipelineConfig } from "@/lib/config/schema";
import { and, eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import { auditEvents, pipelines } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { newId } from "@/lib/ids";
import { createToken } from "@/lib/services/tokens";
import { ensureSystemUsers } from "@/lib/services/users";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor } from "@/lib/testing/fixtures";
import { PUT as putOwner } from "../pipelines/[pipeline]/owner/route";
import { PUT as putMember } from "./[team]/members/route";
import { DELETE as deleteTeam, GET as getTeam, PATCH as patchTeam } from "./[team]/route";
import { GET as listTeams, POST as postTeam } from "./route";

// The teams routes on PGlite, called the way Next calls them, with API tokens.

describe("/api/v1/teams and /api/v1/pipelines/{pipeline}/owner", () => {
  let connection: Connection;
  let adminToken: string;
  let restrictedToken: string;
  let viewerToken: string;
  let adminId: string;

  const request = (method: string, path: string, token: string, body?: unknown) =>
    new NextRequest(`http://localhost/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const params = <P extends Record<string, string>>(p: P) => ({ params: Promise.resolve(p) });

  beforeAll(async () => {
    connection = await testDatabases[0]!.open();
    setProcessConnection(Promise.resolve(connection));
    await ensureSystemUsers(connection.db);
    for (const name of ["shop", "ledger"]) await connection.db.insert(pipelines).values({ id: newId("pip"), name, configHash: name, config: {} as PipelineConfig });
    const admin = await createTestActor(connection.db, ["admin"], "admin");
    adminId = admin.id;
    const viewer = await createTestActor(connection.db, ["viewer"], "viewer");
    const ctx = contextFor(connection.db, systemActor("cli"));
    adminToken = (await createToken(ctx, { userId: admin.id, name: "admin" })).token;
    restrictedToken = (await createToken(ctx, { userId: admin.id, name: "shop only", pipeline: "shop" })).token;
    viewerToken = (await createToken(ctx, { userId: viewer.id, name: "viewer" })).token;
  });
  afterAll(() => connection.close());

  it("creates, lists, renames, staffs and deletes teams, and sets pipeline owners", async () => {
    const created = await postTeam(request("POST", "/teams", adminToken, { name: "storefront", displayName: "Storefront" }), params({}));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: "storefront", displayName: "Storefront", pipelines: [], members: [] });
    expect((await postTeam(request("POST", "/teams", adminToken, { name: "storefront" }), params({}))).status).toBe(409);

    const owner = await putOwner(request("PUT", "/pipelines/shop/owner", adminToken, { team: "storefront" }), params({ pipeline: "shop" }));
    expect(await owner.json()).toEqual({ pipeline: "shop", team: "storefront" });
    const missingTeam = await putOwner(request("PUT", "/pipelines/ledger/owner", adminToken, { team: "ghosts" }), params({ pipeline: "ledger" }));
    expect(missingTeam.status).toBe(400);
    expect(await missingTeam.json()).toMatchObject({ error: { fields: { team: expect.any(String) } } });
    expect((await putOwner(request("PUT", "/pipelines/nope/owner", adminToken, { team: null }), params({ pipeline: "nope" }))).status).toBe(404);

    const member = await putMember(request("PUT", "/teams/storefront/members", adminToken, { user: "nobody@example.com", roles: ["tech-lead"] }), params({ team: "storefront" }));
    expect(member.status).toBe(400);

    const renamed = await patchTeam(request("PATCH", "/teams/storefront", adminToken, { displayName: "Shop front" }), params({ team: "storefront" }));
    expect(await renamed.json()).toMatchObject({ displayName: "Shop front", pipelines: ["shop"] });
    const list = await listTeams(request("GET", "/teams", viewerToken), params({}));
    expect(((await list.json()) as { items: { name: string }[] }).items.map((t) => t.name)).toEqual(["storefront"]);
    expect((await getTeam(request("GET", "/teams/ghosts", viewerToken), params({ team: "ghosts" }))).status).toBe(404);

    expect((await deleteTeam(request("DELETE", "/teams/storefront", adminToken), params({ team: "storefront" }))).status).toBe(422);
    await putOwner(request("PUT", "/pipelines/shop/owner", adminToken, { team: null }), params({ pipeline: "shop" }));
    const deleted = await deleteTeam(request("DELETE", "/teams/storefront", adminToken), params({ team: "storefront" }));
    expect(await deleted.json()).toEqual({ deleted: "storefront" });
  });

  it("a viewer's token and a pipeline-restricted token are refused with a 403, and the refusal is audited", async () => {
    const viewer = await postTeam(request("POST", "/teams", viewerToken, { name: "mine" }), params({}));
    expect(viewer.status).toBe(403);
    const restricted = await putOwner(request("PUT", "/pipelines/ledger/owner", restrictedToken, { team: null }), params({ pipeline: "ledger" }));
    expect(restricted.status).toBe(403);
    expect(await restricted.json()).toMatchObject({ error: { code: "forbidden", message: "Not allowed: this token is restricted to pipeline shop." } });
    const [event] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, adminId), eq(auditEvents.outcome, "denied")));
    expect(event).toMatchObject({ action: "team.manage", targetType: "pipeline", reason: "Not allowed: this token is restricted to pipeline shop." });
  });
});
