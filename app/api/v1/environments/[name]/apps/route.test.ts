import { eq } from "drizzle-orm";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setProcessConnection, type Connection } from "@/db/client";
import { apps, pipelines } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { CELL_BUDGET, listEnvironmentsPage } from "@/lib/services/environment-list";
import { createToken } from "@/lib/services/tokens";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { countStatements } from "@/lib/testing/statement-count";
import { GET } from "./route";

/** Opening and migrating a database is slow on a busy shared machine (not a measurement). */
const SETUP_TIMEOUT_MS = 300_000;

// Issue 13: every list API pages, including the apps inside one environment and the environments
// list of a pipeline whose environments hold hundreds of apps each.

describe.each(testDatabases)("environment apps and environments list on $name", (database) => {
  let connection: Connection;
  let token: string;
  const APPS = 3 + 900;
  const names = ["portal", "admin", "api-gateway", ...Array.from({ length: 900 }, (_, i) => `svc-${String(i).padStart(3, "0")}`)];

  const get = (name: string, query = "") => GET(new NextRequest(`http://localhost/api/v1/environments/${name}/apps${query}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ name }) });

  beforeAll(async () => {
    connection = await database.open();
    setProcessConnection(Promise.resolve(connection));
    await loadTestPipeline(connection.db);
    const viewer = await createTestActor(connection.db, ["viewer"], "vic");
    token = (await createToken(contextFor(connection.db, systemActor("cli")), { userId: viewer.id, name: "apps test" })).token;
    const developer = await createTestActor(connection.db, ["developer"], "dev");
    const release = await makeRelease(connection.db, developer, "2.0.0");
    await placeRelease(connection.db, "qa", release.id, new Date("2026-03-02T09:00:00Z"), developer.id);
    const [shop] = await connection.db.select().from(pipelines).where(eq(pipelines.name, "shop"));
    await connection.db.insert(apps).values(Array.from({ length: 900 }, (_, i) => ({ id: `app_many_${i}`, pipelineId: shop!.id, name: names[3 + i]!, position: 3 + i, settings: {} })));
  }, SETUP_TIMEOUT_MS);
  afterAll(() => connection.close());

  it("pages every app of an environment once, in order, with what runs there", async () => {
    const seen: { app: string; version: string | null }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get("qa", `?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: { app: string; version: string | null }[]; nextCursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(200);
      seen.push(...body.items);
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen.map((a) => a.app)).toEqual(names);
    expect(seen.slice(0, 4).map((a) => a.version)).toEqual(["2.0.0", "2.0.0", "2.0.0", null]);
  });

  it("filters in the query, and refuses what it cannot read with a 4xx", async () => {
    const body = (await (await get("qa", "?q=svc-89&status=not-deployed")).json()) as { items: { app: string }[] };
    expect(body.items.map((a) => a.app)).toEqual(Array.from({ length: 10 }, (_, i) => `svc-89${i}`));
    expect((await get("nowhere")).status).toBe(404);
    expect((await get("qa", "?limit=500")).status).toBe(400);
    expect((await get("qa", "?cursor=garbage")).status).toBe(400);
    // A well-formed cursor whose position no integer column can hold is refused as a cursor, not a database error.
    const outOfRange = Buffer.from(JSON.stringify([1e12, "app_x"])).toString("base64url");
    expect((await get("qa", `?cursor=${outOfRange}`)).status).toBe(400);
    expect((await get("qa", "?status=sideways")).status).toBe(400);
  });

  it("ends a page of environments at its cell budget and carries on from there, in the same statements", async () => {
    const clock = fixedClock("2026-03-05T12:00:00Z");
    const seen: string[] = [];
    let cursor: string | undefined;
    const counts: number[] = [];
    // APPS (903) cells each: one environment per page (the first always fits; a second would pass
    // CELL_BUDGET). Small pipelines fill pages by `limit` (multi-pipeline.test.ts: pages of three).
    expect(APPS * 2).toBeGreaterThan(CELL_BUDGET);
    do {
      const { result: page, statements } = await countStatements(connection, () => listEnvironmentsPage(connection.db, clock, { pipeline: "shop", limit: 50, cursor }));
      counts.push(statements);
      expect(page.items.length).toBe(1);
      expect(page.items.every((item) => item.appOrder.length === APPS)).toBe(true);
      seen.push(...page.items.map((item) => item.environment.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(["dev", "qa", "uat", "staging", "prod"]);
    expect(new Set(counts).size).toBe(1);
    // The pipeline's change token, then the page (environments, their records, cells, app order).
    expect(counts[0]).toBeLessThanOrEqual(5);
    // At one token the pages are shared: a second pass sends the token only.
    const again = await countStatements(connection, () => listEnvironmentsPage(connection.db, clock, { pipeline: "shop", limit: 50 }));
    expect(again.statements).toBe(1);
    expect(again.result.items.map((item) => item.environment.name)).toEqual(["dev"]);
  });
});
