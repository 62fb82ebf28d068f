import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { recordAudit } from "@/lib/services/audit";
import { createToken } from "@/lib/services/tokens";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { GET } from "./route";

// The route on PGlite, called the way Next calls it, with API tokens. The browser-session path is
// apiRead's own (lib/auth/session-token.test.ts, and end to end).
describe("GET /api/v1/audit", () => {
  let connection: Connection;
  let pmToken: string;
  let developerToken: string;

  const get = (query: string, headers: Record<string, string> = {}, token = pmToken) =>
    GET(new NextRequest(`http://localhost/api/v1/audit${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } }), { params: Promise.resolve({}) });

  beforeAll(async () => {
    connection = await testDatabases[0]!.open();
    setProcessConnection(Promise.resolve(connection));
    await loadTestPipeline(connection.db);
    const pm = await createTestActor(connection.db, ["pm"], "pm");
    const developer = await createTestActor(connection.db, ["developer"], "dev");
    const ctx = contextFor(connection.db, systemActor("cli"));
    pmToken = (await createToken(ctx, { userId: pm.id, name: "audit test" })).token;
    developerToken = (await createToken(ctx, { userId: developer.id, name: "audit test" })).token;
    await connection.db.transaction((tx) => recordAudit(tx, developer, systemClock, { action: "deployment.request", targetType: "deployment", targetId: "dep_x", reason: "=1+1, please" }));
  });
  afterAll(() => connection.close());

  it("returns a page of events, newest first, with the filters applied", async () => {
    const response = await get("?action=deployment.&limit=5");
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { action: string; targetId: string; at: string }[]; nextCursor: string | null };
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ action: "deployment.request", targetId: "dep_x" });
    expect(body.nextCursor).toBeNull();
  });

  it("downloads CSV (by ?format or Accept) and JSON as dated attachments", async () => {
    const csv = await get("?format=csv&targetId=dep_x");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(/^attachment; filename="slipway-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^seq,at,actor,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,"'=1+1, please",`);

    const byAccept = await get("?targetId=dep_x", { accept: "text/csv" });
    expect(byAccept.headers.get("content-type")).toBe("text/csv; charset=utf-8");

    const json = await get("?format=json&targetId=dep_x");
    expect(json.headers.get("content-disposition")).toMatch(/filename="slipway-audit-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(((await json.json()) as unknown[]).length).toBe(1);
  });

  it("answers errors in the API's shape: 400 bad input, 401 no token, 403 without audit.view", async () => {
    expect((await get("?format=xml")).status).toBe(400);
    expect(await (await get("?outcome=maybe")).json()).toMatchObject({ error: { code: "invalid_input", fields: { outcome: "expected allowed or denied" } } });
    expect((await get("?format=csv", {}, "slw_nope")).status).toBe(401);
    // A read says both ways in: a token, or a browser signed in to Slipway.
    const anonymous = await GET(new NextRequest("http://localhost/api/v1/audit"), { params: Promise.resolve({}) });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "unauthenticated", message: expect.stringContaining("or call from a browser signed in to Slipway") } });
    const refused = await get("?format=csv", {}, developerToken);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/json");
  });
});
