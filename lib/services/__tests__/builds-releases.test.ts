import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, builds, deployments, environments, releases } from "@/db/schema";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, digestOf, loadTestPipeline, sha } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { newId } from "@/lib/ids";
import type { Actor } from "@/lib/auth/actor";
import { listBuilds, registerBuild } from "../builds";
import { ConflictError, ForbiddenError, RuleError, ValidationError } from "../errors";
import { createRelease, getRelease, listReleases } from "../releases";

async function count(connection: Connection, table: typeof builds | typeof releases | typeof auditEvents) {
  const [row] = await connection.db.select({ n: sql<number>`count(*)::int` }).from(table);
  return row!.n;
}

describe.each(testDatabases)("builds and releases on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let viewer: Actor;
  let n = 0;
  const build = (app: string, overrides: Record<string, unknown> = {}) => {
    n += 1;
    return { app, version: `1.0.${n}`, commit: sha(n), branch: "develop", digest: digestOf(n), ...overrides };
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"]);
    viewer = await createTestActor(connection.db, ["viewer"]);
  });
  afterAll(() => connection.close());

  it("registers a build with its digest, tests and changed files, and audits it", async () => {
    const auditBefore = await count(connection, auditEvents);
    const input = build("portal", { tests: { passed: true, total: 10, failed: 0 }, changedFiles: ["services/portal/migrations/001.sql"] });
    const { build: created, created: isNew } = await registerBuild(contextFor(connection.db, developer), input);
    expect(isNew).toBe(true);
    expect(created).toMatchObject({ appName: "portal", version: input.version, digest: input.digest, tests: { passed: true, total: 10 } });
    expect(created.changedFiles).toEqual(["services/portal/migrations/001.sql"]);
    expect(await count(connection, auditEvents)).toBe(auditBefore + 1);
  });

  it("a retried registration returns the same build; another digest for the version is a conflict", async () => {
    const input = build("admin");
    const first = await registerBuild(contextFor(connection.db, developer), input);
    const again = await registerBuild(contextFor(connection.db, developer), input);
    expect(again).toMatchObject({ created: false, build: { id: first.build.id } });
    const before = await count(connection, builds);
    await expect(registerBuild(contextFor(connection.db, developer), { ...input, digest: digestOf(9999) })).rejects.toBeInstanceOf(ConflictError);
    expect(await count(connection, builds)).toBe(before);
  });

  it("a registration retried with the artifact it lacked takes it (audited); the first one's URL is never replaced", async () => {
    const input = build("admin");
    const first = await registerBuild(contextFor(connection.db, developer), input);
    expect(first.build.artifact).toBeNull();
    const auditBefore = await count(connection, auditEvents);
    const artifact = "https://artifacts.example.com/admin.tar.gz";
    const again = await registerBuild(contextFor(connection.db, developer), { ...input, artifact });
    expect(again).toMatchObject({ created: false, build: { id: first.build.id, artifact } });
    expect(await count(connection, auditEvents)).toBe(auditBefore + 1);
    const [stored] = await connection.db.select().from(builds).where(eq(builds.id, first.build.id));
    expect(stored!.artifact).toBe(artifact);
    const third = await registerBuild(contextFor(connection.db, developer), { ...input, artifact: "https://elsewhere.example.com/admin.tar.gz" });
    expect(third.build.artifact).toBe(artifact);
    expect(await count(connection, auditEvents)).toBe(auditBefore + 1);
  });

  it.each([
    ["a bad digest", { digest: "sha256:xyz" }, "digest"],
    ["an md5 digest", { digest: `md5:${"a".repeat(32)}` }, "digest"],
    ["a missing commit", { commit: undefined }, "commit"],
    ["a commit that is not hex", { commit: "not-a-sha" }, "commit"],
    ["a number as version", { version: 12 }, "version"],
    ["an unknown app", { app: "billing" }, "app"],
    ["an unknown field", { colour: "blue" }, "body"],
    ["tests without passed", { tests: { total: 3 } }, "tests.passed"],
    ["a branch with spaces", { branch: "my branch" }, "branch"],
    ["too many changed files", { changedFiles: Array.from({ length: 10_001 }, (_, i) => `f${i}`) }, "changedFiles"],
  ])("refuses %s with a field error and writes nothing", async (_label, override, field) => {
    const before = { builds: await count(connection, builds), audit: await count(connection, auditEvents) };
    const input = build("portal", override);
    const error = await registerBuild(contextFor(connection.db, developer), input).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(Object.keys((error as ValidationError).fields ?? {})).toContain(field);
    expect({ builds: await count(connection, builds), audit: await count(connection, auditEvents) }).toEqual(before);
  });

  it("the unknown-app error lists the apps that exist", async () => {
    const error = (await registerBuild(contextFor(connection.db, developer), build("billing")).catch((e: unknown) => e)) as ValidationError;
    expect(error.fields?.app).toBe('unknown app "billing"; expected one of portal, admin, api-gateway');
  });

  it("a viewer may not register builds, and the refusal is audited", async () => {
    const before = await count(connection, builds);
    const error = await registerBuild(contextFor(connection.db, viewer), build("portal")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(await count(connection, builds)).toBe(before);
  });

  it("cuts a release from named builds; unnamed apps carry what runs in the source environment", async () => {
    const ctx = contextFor(connection.db, developer);
    const portal = (await registerBuild(ctx, build("portal"))).build;
    const admin = (await registerBuild(ctx, build("admin"))).build;
    // Nothing runs in dev yet: without a build for api-gateway the release cannot be cut.
    const refusal = await createRelease(ctx, { commit: portal.commit, branch: "develop", builds: [portal.id, admin.id] }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RuleError);
    expect((refusal as RuleError).message).toContain("api-gateway");

    const gateway = (await registerBuild(ctx, build("api-gateway"))).build;
    const { release, created } = await createRelease(ctx, { commit: portal.commit, branch: "develop", builds: [portal.id, admin.id, gateway.id] });
    expect(created).toBe(true);
    expect(release.builds.map((b) => [b.app, b.build.digest])).toEqual([
      ["portal", portal.digest],
      ["admin", admin.digest],
      ["api-gateway", gateway.digest],
    ]);

    const again = await createRelease(ctx, { commit: portal.commit, branch: "develop", builds: [gateway.id, admin.id, portal.id] });
    expect(again).toMatchObject({ created: false, release: { id: release.id } });
    const otherAdmin = (await registerBuild(ctx, build("admin"))).build;
    const conflict = await createRelease(ctx, { commit: portal.commit, branch: "develop", builds: [portal.id, otherAdmin.id, gateway.id] }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ConflictError);

    const detail = await getRelease(connection.db, release.id);
    expect(detail.builds).toHaveLength(3);
    expect(detail.runs).toEqual([]);
    expect(detail).toMatchObject({ createdByName: developer.name, createdByEmail: developer.email });
  });

  it("a release cut while one rolls out into the source takes that rollout's builds, never the ones it replaces", async () => {
    const ctx = contextFor(connection.db, developer);
    const first = await makeRelease(connection.db, developer, "7.0.0");
    await placeRelease(connection.db, "dev", first.id, new Date("2026-03-01T09:00:00Z"), developer.id);
    const portal = (await registerBuild(ctx, build("portal", { version: "7.1.0" }))).build;
    const rolling = (await createRelease(ctx, { commit: portal.commit, branch: "develop", builds: [portal.id] })).release;
    const [dev] = await connection.db.select().from(environments).where(eq(environments.name, "dev"));
    await connection.db.insert(deployments).values({ id: newId("dep"), environmentId: dev!.id, releaseId: rolling.id, kind: "promote", state: "running", requestedBy: developer.id, requestedVia: "api" });

    const admin = (await registerBuild(ctx, build("admin", { version: "7.2.0" }))).build;
    const next = (await createRelease(ctx, { commit: admin.commit, branch: "develop", builds: [admin.id] })).release;
    const versions = Object.fromEntries(next.builds.map((b) => [b.app, b.build.version]));
    expect(versions).toEqual({ portal: "7.1.0", admin: "7.2.0", "api-gateway": "7.0.0" });
    await connection.db.delete(deployments).where(and(eq(deployments.environmentId, dev!.id), eq(deployments.state, "running")));
  });

  it("fills a feature branch's release from staging (what review environments clone), the entry branch's from dev", async () => {
    const ctx = contextFor(connection.db, developer);
    const inDev = await makeRelease(connection.db, developer, "3.1.0");
    const inStaging = await makeRelease(connection.db, developer, "3.0.0");
    await placeRelease(connection.db, "dev", inDev.id, new Date("2026-03-02T08:00:00Z"), developer.id);
    await placeRelease(connection.db, "staging", inStaging.id, new Date("2026-03-02T08:00:00Z"), developer.id);
    const buildOf = (release: typeof inDev, app: string) => release.builds.find((b) => b.app === app)!.build.id;
    const versions = (release: typeof inDev) => release.builds.map((b) => [b.app, b.build.version]);

    const search = (await registerBuild(ctx, build("portal", { version: "3.2.0-search.1", branch: "feature/search", commit: sha(501) }))).build;
    const feature = (await createRelease(ctx, { commit: search.commit, branch: "feature/search", builds: [search.id] })).release;
    expect(versions(feature)).toEqual([
      ["portal", "3.2.0-search.1"],
      ["admin", "3.0.0"],
      ["api-gateway", "3.0.0"],
    ]);
    expect(feature.builds.find((b) => b.app === "admin")!.build.id).toBe(buildOf(inStaging, "admin"));

    const next = (await registerBuild(ctx, build("portal", { version: "3.1.1", commit: sha(502) }))).build;
    const develop = (await createRelease(ctx, { commit: next.commit, branch: "develop", builds: [next.id] })).release;
    expect(versions(develop)).toEqual([
      ["portal", "3.1.1"],
      ["admin", "3.1.0"],
      ["api-gateway", "3.1.0"],
    ]);

    // Asked for explicitly, the source wins over the branch's default.
    const cart = (await registerBuild(ctx, build("portal", { version: "3.2.0-cart.1", branch: "feature/cart", commit: sha(503) }))).build;
    const fromDev = (await createRelease(ctx, { commit: cart.commit, branch: "feature/cart", builds: [cart.id], source: "dev" })).release;
    expect(versions(fromDev)).toEqual([
      ["portal", "3.2.0-cart.1"],
      ["admin", "3.1.0"],
      ["api-gateway", "3.1.0"],
    ]);
  });

  it("refuses unknown and duplicate builds with field errors", async () => {
    const ctx = contextFor(connection.db, developer);
    const portal = (await registerBuild(ctx, build("portal"))).build;
    const other = (await registerBuild(ctx, build("portal"))).build;
    const error = (await createRelease(ctx, { commit: sha(777), branch: "develop", builds: [portal.id, "bld_nope", other.id] }).catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.fields).toEqual({ "builds.1": 'unknown build "bld_nope"', "builds.2": "a second build for portal; a release has one build per app" });
  });

  it("lists builds and releases newest first with keyset pagination", async () => {
    const page1 = await listBuilds(connection.db, { limit: "2" });
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBeTruthy();
    const page2 = await listBuilds(connection.db, { limit: 2, cursor: page1.nextCursor });
    expect(page2.items[0]!.id).not.toBe(page1.items[1]!.id);
    expect(page1.items[0]!.createdAt >= page2.items[0]!.createdAt).toBe(true);
    const filtered = await listBuilds(connection.db, { app: "admin" });
    expect(filtered.items.every((b) => b.appName === "admin")).toBe(true);
    await expect(listBuilds(connection.db, { cursor: "garbage" })).rejects.toBeInstanceOf(ValidationError);
    await expect(listBuilds(connection.db, { limit: 500 })).rejects.toBeInstanceOf(ValidationError);

    const releasesPage = await listReleases(connection.db, { branch: "develop" });
    expect(releasesPage.items.length).toBeGreaterThan(0);
    expect(releasesPage.items[0]!.builds.map((b) => b.app)).toEqual(["portal", "admin", "api-gateway"]);
  });

  it("names who cut a release by their name, by their email only when the name is blank", async () => {
    const nameless = await createTestActor(connection.db, ["developer"], " ");
    const release = await makeRelease(connection.db, nameless, "8.0.0");
    expect(await getRelease(connection.db, release.id)).toMatchObject({ createdByName: nameless.email, createdByEmail: nameless.email });
    const listed = await listReleases(connection.db, { commit: release.commit });
    expect(listed.items.find((r) => r.id === release.id)).toMatchObject({ createdByName: nameless.email });
  });
});
