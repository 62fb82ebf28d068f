import { sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createDocument } from "zod-openapi";
import { setProcessConnection, type Connection } from "@/db/client";
import { incidents } from "@/db/schema";
import { incidentWebhookResultSchema, operationsPaths } from "@/lib/api/openapi/operations-paths";
import { signPayload } from "@/lib/notify/signature";
import { testDatabases } from "@/lib/testing/databases";
import { POST as webhookPOST } from "@/app/api/v1/webhooks/incidents/route";
import { counts, loadPipelineWithFreezes } from "./freeze-fixtures";

// The webhook route must work without next-auth (it has no session and no token): loading it fails the file.
vi.mock("@/lib/auth/auth", () => {
  throw new Error("the incident webhook must not load next-auth");
});

describe("POST /api/v1/webhooks/incidents", () => {
  const SECRET = "test-incident-secret";
  let connection: Connection;
  const previousSecret = process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET;

  const post = (body: string, headers: Record<string, string> = {}) => webhookPOST(new NextRequest("http://localhost/api/v1/webhooks/incidents", { method: "POST", body, headers: { "content-type": "application/json", ...headers } }));
  const signed = (body: string, options: { timestamp?: number; secret?: string } = {}) => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    return { "x-slipway-timestamp": String(timestamp), "x-slipway-signature": signPayload(options.secret ?? SECRET, timestamp, body) };
  };
  const payload = JSON.stringify({ action: "open", externalId: "PD-900", environment: "prod", title: "Login broken", severity: "critical" });

  beforeAll(async () => {
    connection = await testDatabases[0]!.open();
    setProcessConnection(Promise.resolve(connection));
    await loadPipelineWithFreezes(connection);
    process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET = SECRET;
  });
  afterEach(() => {
    process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET = SECRET;
  });
  afterAll(async () => {
    if (previousSecret === undefined) delete process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET;
    else process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET = previousSecret;
    await connection.close();
  });

  it("a validly signed delivery opens the incident (201), a repeat returns it (200), resolve closes it", async () => {
    // One clock reading for the whole test: a repeat signed at "now − 1" read a second later would be the very
    // first delivery again (same timestamp, same signature) and rightly a replay (409).
    const now = Math.floor(Date.now() / 1000);
    const created = await post(payload, signed(payload, { timestamp: now }));
    expect(created.status).toBe(201);
    const body = incidentWebhookResultSchema.parse(await created.json());
    expect(body).toMatchObject({ changed: true, incident: { title: "Login broken", state: "open", openedVia: "webhook" } });

    // A new delivery (signed afresh) of the same open is idempotent on externalId; the very same delivery is a replay (webhook-replay.test.ts).
    const repeat = await post(payload, signed(payload, { timestamp: now - 1 }));
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ changed: false, incident: { id: body.incident!.id } });

    const resolve = JSON.stringify({ action: "resolve", externalId: "PD-900", environment: "prod" });
    const resolved = await post(resolve, signed(resolve, { timestamp: now }));
    expect(resolved.status).toBe(200);
    expect(incidentWebhookResultSchema.parse(await resolved.json())).toMatchObject({ changed: true, incident: { state: "resolved" } });
    const none = await post(resolve, signed(resolve, { timestamp: now - 7 }));
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ changed: false, incident: null });
  });

  it("401 for a tampered body, a wrong secret, an old timestamp or missing headers — and nothing changes", async () => {
    const [before] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(incidents);
    const tampered = payload.replace("Login broken", "Login fixed");
    const cases = [
      await post(tampered, signed(payload)),
      await post(payload, signed(payload, { secret: "another secret" })),
      await post(payload, signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 })),
      await post(payload, signed(payload, { timestamp: Math.floor(Date.now() / 1000) + 301 })),
      await post(payload),
      await post(payload, { "x-slipway-timestamp": String(Math.floor(Date.now() / 1000)) }),
    ];
    for (const response of cases) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "invalid_signature" } });
    }
    const [after] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(incidents);
    expect(after!.n).toBe(before!.n);
  });

  it("400 with field errors for a signed but invalid payload, or a body that is not JSON", async () => {
    const bad = JSON.stringify({ action: "open", externalId: "PD-1", environment: "prod" });
    const response = await post(bad, signed(bad));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: "invalid_input", message: "Invalid title: required to open an incident", fields: { title: "required to open an incident" } } });
    const notJson = "action=open";
    const invalid = await post(notJson, signed(notJson));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("503 webhook_not_configured while no secret is set", async () => {
    delete process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET;
    const response = await post(payload, signed(payload));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "webhook_not_configured" } });
  });
});

describe("OpenAPI fragment", () => {
  it("documents every freeze, incident and webhook endpoint from the request schemas", () => {
    const document = createDocument({ openapi: "3.1.0", info: { title: "Slipway API", version: "1.0.0" }, paths: operationsPaths });
    expect(Object.keys(document.paths ?? {}).sort()).toEqual(["/freezes", "/freezes/{id}", "/incidents", "/incidents/{id}/resolve", "/webhooks/incidents"]);
    expect(document.paths?.["/webhooks/incidents"]?.post?.security).toEqual([]);
    expect(Object.keys(document.components?.schemas ?? {})).toEqual(expect.arrayContaining(["CreateFreeze", "DeclareIncident", "IncidentWebhook", "Freeze", "Incident", "IncidentWebhookResult"]));
  });
});
