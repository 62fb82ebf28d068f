import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { AuditEvent } from "@/db/schema";
import { automationActor, type Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { recordAudit, type AuditInput } from "../audit";
import { auditExportStream } from "../audit-export";
import { decodeAuditCursor, encodeAuditCursor, getAuditEventData, listAuditEventSummaries, listAuditEvents, openAuditExport } from "../audit-queries";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors";

describe("audit cursors", () => {
  it("round-trip a sequence number and refuse anything else", () => {
    expect(decodeAuditCursor(encodeAuditCursor(12345))).toBe(12345);
    expect(() => decodeAuditCursor("bm9wZQ")).toThrow(ValidationError);
    expect(() => decodeAuditCursor(Buffer.from('["2026-01-01", "x"]').toString("base64url"))).toThrow(ValidationError);
  });
});

describe.each(testDatabases)("audit queries on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let pm: Actor;
  let developer: Actor;
  const clock = fixedClock("2026-03-05T09:00:00Z");

  async function record(actor: Actor, input: AuditInput) {
    clock.advance(60_000);
    await connection.db.transaction((tx) => recordAudit(tx, actor, clock, input));
  }

  async function collect(batches: AsyncIterable<AuditEvent[]>) {
    const all: AuditEvent[] = [];
    for await (const batch of batches) all.push(...batch);
    return all;
  }

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"], "admin");
    pm = await createTestActor(connection.db, ["pm"], "pm");
    developer = await createTestActor(connection.db, ["developer"], "dev");
    await record(developer, { action: "deployment.request", targetType: "deployment", targetId: "dep_1", reason: "ship 1.4" });
    await record(pm, { action: "deployment.approve", targetType: "deployment", targetId: "dep_1", data: { role: "pm" } });
    await record(developer, { action: "token.manage", targetType: "pipeline", outcome: "denied", reason: "Not allowed: you need the admin role to manage API tokens." });
    await record(automationActor(), { action: "deployment.succeed", targetType: "deployment", targetId: "dep_1" });
    await record(developer, { action: "deployment_request", targetType: "deployment", targetId: "dep_2" }); // "_" must not act as a wildcard
    await record(admin, { action: "user.roles", targetType: "user", targetId: developer.id, data: { roles: ["developer"] } });
  });
  afterAll(() => connection.close());

  it("lists newest first by sequence, and pages without gaps or repeats", async () => {
    const ctx = contextFor(connection.db, pm);
    const all = await listAuditEvents(ctx, { limit: 200 });
    expect(all.items.map((e) => e.seq)).toEqual([...all.items.map((e) => e.seq)].sort((a, b) => b - a));
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await listAuditEvents(ctx, { limit: 4, cursor });
      seen.push(...page.items.map((e) => e.seq));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.seq));
  });

  it("filters by actor email, action prefix, target, outcome and time", async () => {
    const ctx = contextFor(connection.db, admin);
    const actions = async (filters: Record<string, unknown>) => (await listAuditEvents(ctx, filters)).items.map((e) => e.action);
    expect(await actions({ actor: developer.email.toUpperCase() })).toEqual(["deployment_request", "token.manage", "deployment.request"]);
    expect(await actions({ actor: "automation@slipway.invalid" })).toEqual(["deployment.succeed"]);
    expect(await actions({ action: "deployment." })).toEqual(["deployment.succeed", "deployment.approve", "deployment.request"]);
    expect(await actions({ action: "deployment.app" })).toEqual(["deployment.approve"]);
    expect(await actions({ action: "deployment_" })).toEqual(["deployment_request"]);
    expect(await actions({ action: "deployment%" })).toEqual([]);
    expect(await actions({ targetType: "deployment", targetId: "dep_1" })).toEqual(["deployment.succeed", "deployment.approve", "deployment.request"]);
    expect(await actions({ outcome: "denied" })).toEqual(["token.manage"]);
    expect(await actions({ since: "2026-03-05T09:02:00Z", until: "2026-03-05T09:04:00Z" })).toEqual(["token.manage", "deployment.approve"]);
    expect(await actions({ actor: "nobody@example.com" })).toEqual([]);
  });

  it("validates filters with field-level messages", async () => {
    const ctx = contextFor(connection.db, admin);
    await expect(listAuditEvents(ctx, { outcome: "maybe" })).rejects.toMatchObject({ fields: { outcome: "expected allowed or denied" } });
    await expect(listAuditEvents(ctx, { since: "yesterday" })).rejects.toMatchObject({ fields: { since: expect.stringContaining("ISO 8601") } });
    await expect(listAuditEvents(ctx, { cursor: "garbage" })).rejects.toBeInstanceOf(ValidationError);
  });

  it("needs audit.view: leads, pm and admins read it, developers do not", async () => {
    await expect(listAuditEvents(contextFor(connection.db, developer), {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(openAuditExport(contextFor(connection.db, developer), {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listAuditEvents(contextFor(connection.db, pm), {})).resolves.toMatchObject({ items: expect.arrayContaining([expect.objectContaining({ action: expect.any(String) })]) });
  });

  it("the audit page's summaries: the same events and pages without their data, with its size; the data on request", async () => {
    const ctx = contextFor(connection.db, admin);
    const full = await listAuditEvents(ctx, { limit: 3 });
    const summaries = await listAuditEventSummaries(ctx, { limit: 3 });
    expect(summaries.nextCursor).toBe(full.nextCursor);
    expect(summaries.items.map(({ dataBytes: _bytes, ...rest }) => rest)).toEqual(full.items.map(({ data: _data, ...rest }) => rest));
    expect(summaries.items.some((summary) => summary.dataBytes > 0)).toBe(true);
    for (const [i, summary] of summaries.items.entries()) {
      const data = full.items[i]!.data;
      expect(summary.dataBytes === 0).toBe(Object.keys(data).length === 0);
      if (summary.dataBytes > 0) {
        expect(summary.dataBytes).toBeGreaterThanOrEqual(JSON.stringify(data).length);
        expect(await getAuditEventData(ctx, { seq: summary.seq })).toEqual({ seq: summary.seq, data });
      }
    }
    await expect(getAuditEventData(ctx, { seq: 999_999_999 })).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAuditEventData(ctx, { seq: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(getAuditEventData(contextFor(connection.db, developer), { seq: summaries.items[0]!.seq })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listAuditEventSummaries(contextFor(connection.db, developer), {})).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("exports every matching event in batches, as CSV and as a JSON array", async () => {
    const ctx = contextFor(connection.db, admin);
    const exported = await collect(await openAuditExport(ctx, { action: "deployment", limit: 1 }, 2));
    expect(exported.map((e) => e.action)).toEqual(["deployment_request", "deployment.succeed", "deployment.approve", "deployment.request"]);

    const csv = await new Response(auditExportStream("csv", await openAuditExport(ctx, { actor: developer.email }, 2))).text();
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe("seq,at,actor,actor_id,action,target_type,target_id,outcome,reason,source,ip,data,id,prev_hash,hash");
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain(",token.manage,pipeline,,denied,");

    const json = JSON.parse(await new Response(auditExportStream("json", await openAuditExport(ctx, { targetId: "dep_1" }, 2))).text()) as { action: string; at: string }[];
    expect(json.map((e) => e.action)).toEqual(["deployment.succeed", "deployment.approve", "deployment.request"]);
    expect(json[0]!.at).toMatch(/^2026-03-05T09:\d\d:00\.000Z$/);
    expect(JSON.parse(await new Response(auditExportStream("json", await openAuditExport(ctx, { actor: "nobody@example.com" }))).text())).toEqual([]);
  });
});
