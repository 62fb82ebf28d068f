import { createHmac } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import { auditEvents, incidents, reviewChangeRequests, webhookDeliveries } from "@/db/schema";
import { fixedClock } from "@/lib/domain/clock";
import { signPayload } from "@/lib/notify/signature";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { POST as incidentPOST } from "@/app/api/v1/webhooks/incidents/route";
import { POST as scmPOST } from "@/app/api/v1/webhooks/source-control/route";
import { ConflictError } from "../errors";
import { claimWebhookDelivery, deliveryKeys } from "../webhook-deliveries";

vi.mock("@/lib/auth/auth", () => {
  throw new Error("webhooks must not load next-auth");
});

const INCIDENT_SECRET = "replay-incident-secret";
const SCM_SECRET = "replay-scm-secret";

const postIncident = (body: string, headers: Record<string, string>) => incidentPOST(new NextRequest("http://localhost/api/v1/webhooks/incidents", { method: "POST", body, headers: { "content-type": "application/json", ...headers } }));
const signed = (body: string, timestamp = Math.floor(Date.now() / 1000)) => ({ "x-slipway-timestamp": String(timestamp), "x-slipway-signature": signPayload(INCIDENT_SECRET, timestamp, body) });
const postGithub = (body: string, headers: Record<string, string>) =>
  scmPOST(new NextRequest("http://localhost/api/v1/webhooks/source-control", { method: "POST", body, headers: { "content-type": "application/json", "x-github-event": "pull_request", ...headers } }));
const githubSigned = (body: string, delivery: string) => ({ "x-github-delivery": delivery, "x-hub-signature-256": "sha256=" + createHmac("sha256", SCM_SECRET).update(body).digest("hex") });
const postGitlab = (body: string, headers: Record<string, string>) =>
  scmPOST(new NextRequest("http://localhost/api/v1/webhooks/source-control", { method: "POST", body, headers: { "content-type": "application/json", "x-gitlab-event": "Merge Request Hook", "x-gitlab-token": SCM_SECRET, ...headers } }));

describe.each(testDatabases)("signed webhook deliveries are applied once on $name", (database) => {
  let connection: Connection;
  const saved = { incident: process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET, scm: process.env.SLIPWAY_SCM_WEBHOOK_SECRET };
  const openIncidents = async (externalId: string) =>
    (
      await connection.db
        .select({ n: sql<number>`count(*)::int` })
        .from(incidents)
        .where(and(eq(incidents.externalId, externalId), eq(incidents.state, "open")))
    )[0]!.n;

  beforeAll(async () => {
    connection = await database.open();
    setProcessConnection(Promise.resolve(connection));
    await loadTestPipeline(connection.db);
    process.env.SLIPWAY_INCIDENT_WEBHOOK_SECRET = INCIDENT_SECRET;
    process.env.SLIPWAY_SCM_WEBHOOK_SECRET = SCM_SECRET;
  });
  afterAll(async () => {
    for (const [name, value] of [
      ["SLIPWAY_INCIDENT_WEBHOOK_SECRET", saved.incident],
      ["SLIPWAY_SCM_WEBHOOK_SECRET", saved.scm],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await connection.close();
  });

  it("the issue's example: a captured 'open', re-sent within the window after the incident was resolved, opens nothing (409)", async () => {
    const open = JSON.stringify({ action: "open", externalId: "PD-REPLAY", environment: "prod", title: "Checkout 500s", severity: "major" });
    const captured = signed(open);
    expect((await postIncident(open, captured)).status).toBe(201);
    const resolve = JSON.stringify({ action: "resolve", externalId: "PD-REPLAY", environment: "prod" });
    expect((await postIncident(resolve, signed(resolve))).status).toBe(200);
    expect(await openIncidents("PD-REPLAY")).toBe(0);

    const replay = await postIncident(open, captured);
    expect(replay.status).toBe(409);
    expect(await replay.json()).toMatchObject({ error: { code: "replayed_delivery" } });
    expect(await openIncidents("PD-REPLAY")).toBe(0);
    // With a made-up delivery id the signature still gives the replay away.
    expect((await postIncident(open, { ...captured, "x-slipway-delivery": "fresh-id" })).status).toBe(409);
    expect(await openIncidents("PD-REPLAY")).toBe(0);
  });

  it("the same delivery id is accepted once, even signed afresh (a sender retry after success)", async () => {
    const open = JSON.stringify({ action: "open", externalId: "PD-ID", environment: "prod", title: "Slow search" });
    const now = Math.floor(Date.now() / 1000);
    expect((await postIncident(open, { ...signed(open, now), "x-slipway-delivery": "d-1" })).status).toBe(201);
    expect((await postIncident(open, { ...signed(open, now - 2), "x-slipway-delivery": "d-1" })).status).toBe(409);
  });

  it("a delivery that failed (400) did not use itself up: the sender may retry it", async () => {
    const bad = JSON.stringify({ action: "open", externalId: "PD-BAD", environment: "prod" });
    const headers = signed(bad);
    expect((await postIncident(bad, headers)).status).toBe(400);
    expect((await postIncident(bad, headers)).status).toBe(400);
    const remembered = await connection.db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.key, `sig:${headers["x-slipway-signature"]}`));
    expect(remembered).toEqual([]);
  });

  it("a GitHub pull_request delivery (signed, no timestamp) is applied once: by X-GitHub-Delivery and by its signature", async () => {
    const body = JSON.stringify({ action: "opened", number: 77, pull_request: { title: "Replay", head: { ref: "feature/replay", sha: "a".repeat(40) } }, sender: { login: "mallory" } });
    const first = await postGithub(body, githubSigned(body, "gh-1"));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ outcome: "waiting-for-release" });
    const auditsBefore = (await connection.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n;
    for (const delivery of ["gh-1", "gh-2"]) {
      const replay = await postGithub(body, githubSigned(body, delivery));
      expect(replay.status).toBe(409);
      expect(await replay.json()).toMatchObject({ error: { code: "replayed_delivery" } });
    }
    expect((await connection.db.select({ n: sql<number>`count(*)::int` }).from(auditEvents))[0]!.n).toBe(auditsBefore);
    expect(await connection.db.select().from(reviewChangeRequests).where(eq(reviewChangeRequests.branch, "feature/replay"))).toHaveLength(1);
  });

  it("a GitLab merge-request delivery (token, unsigned body) is applied once: by X-Gitlab-Event-UUID, else by its body", async () => {
    const body = (branch: string) => JSON.stringify({ object_kind: "merge_request", object_attributes: { iid: 5, action: "close", source_branch: branch, last_commit: { id: "b".repeat(40) } } });
    expect((await postGitlab(body("feature/gl-1"), { "x-gitlab-event-uuid": "uuid-1" })).status).toBe(200);
    expect((await postGitlab(body("feature/gl-2"), { "x-gitlab-event-uuid": "uuid-1" })).status).toBe(409);
    expect((await postGitlab(body("feature/gl-3"), {})).status).toBe(200);
    expect((await postGitlab(body("feature/gl-3"), {})).status).toBe(409);
  });

  it("a remembered delivery is forgotten once its window has passed", async () => {
    const keys = deliveryKeys({ signature: "sha256=feed", rawBody: "{}" });
    await connection.db.transaction((tx) => claimWebhookDelivery(tx, fixedClock("2026-01-01T00:00:00Z"), "incident", keys));
    await expect(connection.db.transaction((tx) => claimWebhookDelivery(tx, fixedClock("2026-01-01T00:10:00Z"), "incident", keys))).rejects.toBeInstanceOf(ConflictError);
    await connection.db.transaction((tx) => claimWebhookDelivery(tx, fixedClock("2026-01-01T00:16:00Z"), "incident", keys));
  });
});
