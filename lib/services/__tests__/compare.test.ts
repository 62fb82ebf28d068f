import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { registerBuild } from "@/lib/services/builds";
import { aheadSummary, comparableEnvironments, compareEnvironments } from "@/lib/services/compare";
import { listCells } from "@/db/queries/cells";
import { getBoard } from "@/lib/services/pipeline-board";
import { NotFoundError, ValidationError } from "@/lib/services/errors";
import { createRelease } from "@/lib/services/releases";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, digestOf, loadTestPipeline } from "@/lib/testing/fixtures";
import { placeRelease } from "@/lib/testing/releases";

/** A readable 40-character commit: "c3" → "c3000…". */
const commit = (name: string) => name.padEnd(40, "0");

describe.each(testDatabases)("comparing environments on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let digests = 0;
  const clock = fixedClock("2026-03-10T12:00:00Z");
  const built = new Map<string, string>(); // "portal@1.0.0" → build id

  /** Registers the builds not yet known (app → [version, commit]) and cuts a release of them at `at`. */
  async function cut(releaseCommit: string, at: string, buildsByApp: Record<string, [version: string, commit: string]>, branch = "develop") {
    const ctx = contextFor(connection.db, developer, at);
    const ids: string[] = [];
    for (const [app, [version, buildCommit]] of Object.entries(buildsByApp)) {
      const key = `${app}@${version}`;
      if (!built.has(key)) {
        const { build } = await registerBuild(ctx, { app, version, commit: commit(buildCommit), branch, digest: digestOf(++digests), artifact: `/artifacts/${app}-${version}.mjs` });
        built.set(key, build.id);
      }
      ids.push(built.get(key)!);
    }
    const { release } = await createRelease(ctx, { commit: commit(releaseCommit), branch, builds: ids });
    return release;
  }

  const compare = (from: string, to: string) => compareEnvironments(connection.db, { from, to });
  const summary = async () => aheadSummary(connection.db, (await getBoard(connection.db, clock, { pipeline: "shop" }))!.fixed);

  let r1: { id: string };
  let r2: { id: string };
  let r3: { id: string };
  let r4: { id: string };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"], "Dana Developer");
    r1 = await cut("c1", "2026-03-01T10:00:00Z", { portal: ["1.0.0", "c1"], admin: ["1.0.0", "c1"], "api-gateway": ["1.0.0", "c1"] });
    await cut("f1", "2026-03-01T11:00:00Z", { portal: ["1.0.1-hotfix", "f1"], admin: ["1.0.0", "c1"], "api-gateway": ["1.0.0", "c1"] }, "hotfix/cart");
    // r2: the portal build's commit is not the release's; the gateway build is carried over from r1.
    r2 = await cut("c2", "2026-03-02T10:00:00Z", { portal: ["1.1.0", "e2"], admin: ["1.1.0", "a2"], "api-gateway": ["1.0.0", "c1"] });
    // r3: only the portal changes; admin carries r2's build.
    r3 = await cut("c3", "2026-03-03T10:00:00Z", { portal: ["1.2.0", "c3"], admin: ["1.1.0", "a2"], "api-gateway": ["1.0.0", "c1"] });
    r4 = await cut("c4", "2026-03-04T10:00:00Z", { portal: ["1.3.0", "c4"], admin: ["1.3.0", "c4"], "api-gateway": ["1.3.0", "c4"] });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it("compares empty environments as the same, with nothing ahead or behind, and summarises without reading releases", async () => {
    const result = await compare("dev", "qa");
    expect(result).toEqual({
      pipeline: expect.any(String),
      from: { name: "dev", kind: "fixed", release: null },
      to: { name: "qa", kind: "fixed", release: null },
      ahead: { releases: [], commits: [], builds: [], truncated: false },
      behind: false,
      clean: true,
    });
    expect(await summary()).toEqual([
      { from: "dev", to: "qa", releases: 0, commits: 0 },
      { from: "qa", to: "uat", releases: 0, commits: 0 },
      { from: "uat", to: "staging", releases: 0, commits: 0 },
      { from: "staging", to: "prod", releases: 0, commits: 0 },
    ]);
  });

  it("refuses unknown and malformed environment names", async () => {
    await expect(compare("staging", "nowhere")).rejects.toBeInstanceOf(NotFoundError);
    await expect(compare("Staging!", "prod")).rejects.toBeInstanceOf(ValidationError);
  });

  describe("with releases running", () => {
    beforeAll(async () => {
      await placeRelease(connection.db, "prod", r1.id, new Date("2026-03-05T10:00:00Z"), developer.id);
      await placeRelease(connection.db, "staging", r3.id, new Date("2026-03-05T11:00:00Z"), developer.id);
      await placeRelease(connection.db, "uat", r3.id, new Date("2026-03-05T12:00:00Z"), developer.id);
      await placeRelease(connection.db, "qa", r4.id, new Date("2026-03-05T13:00:00Z"), developer.id);
    });

    it("counts the releases of the branch between the two, newest first, and the distinct commits they bring", async () => {
      const result = await compare("staging", "prod");
      expect(result.from).toMatchObject({ name: "staging", release: { id: r3.id, commit: commit("c3"), branch: "develop" } });
      expect(result.to).toMatchObject({ name: "prod", release: { id: r1.id, commit: commit("c1") } });
      // Not the hotfix (another branch), not r4 (newer than what staging runs), not r1 (prod runs it).
      expect(result.ahead.releases.map((r) => r.id)).toEqual([r3.id, r2.id]);
      expect(result.ahead.releases[0]).toEqual({
        id: r3.id,
        commit: commit("c3"),
        branch: "develop",
        createdAt: new Date("2026-03-03T10:00:00Z"),
        createdBy: { id: developer.id, name: "Dana Developer", email: developer.email },
        versions: [
          { app: "portal", version: "1.2.0" },
          { app: "admin", version: "1.1.0" },
          { app: "api-gateway", version: "1.0.0" },
        ],
        ranIn: null,
      });
      // The gateway build (commit c1) already runs in prod: its commit is not ahead.
      expect(result.ahead.commits).toEqual([commit("c3"), commit("a2"), commit("c2"), commit("e2")]);
      expect(result.ahead.builds).toEqual([
        {
          app: "portal",
          changed: true,
          from: expect.objectContaining({ version: "1.2.0", commit: commit("c3"), digest: expect.stringMatching(/^sha256:/), releaseId: r3.id }),
          to: expect.objectContaining({ version: "1.0.0", commit: commit("c1") }),
        },
        { app: "admin", changed: true, from: expect.objectContaining({ version: "1.1.0", commit: commit("a2") }), to: expect.objectContaining({ version: "1.0.0" }) },
        { app: "api-gateway", changed: false, from: expect.objectContaining({ version: "1.0.0" }), to: expect.objectContaining({ version: "1.0.0" }) },
      ]);
      expect(result).toMatchObject({ behind: false, clean: false, ahead: { truncated: false } });
    });

    it("finds two environments running the same builds clean", async () => {
      const result = await compare("uat", "staging");
      expect(result).toMatchObject({ behind: false, clean: true, ahead: { releases: [], commits: [] } });
      expect(result.ahead.builds.every((b) => !b.changed && b.from?.id === b.to?.id)).toBe(true);
    });

    it("says when the later environment runs something newer than the earlier one", async () => {
      const result = await compare("uat", "qa");
      expect(result).toMatchObject({ behind: true, clean: false, ahead: { releases: [], commits: [] } });
      expect(result.ahead.builds.filter((b) => b.changed).map((b) => b.app)).toEqual(["portal", "admin", "api-gateway"]);
      expect((await compare("dev", "qa")).behind).toBe(true); // nothing is older than something
    });

    it("counts everything of the branch up to its release against an environment that runs nothing", async () => {
      const result = await compare("staging", "dev");
      expect(result.ahead.releases.map((r) => r.id)).toEqual([r3.id, r2.id, r1.id]);
      // In order of first appearance, newest release first: r3 already carries the gateway's c1 build.
      expect(result.ahead.commits).toEqual([commit("c3"), commit("a2"), commit("c1"), commit("c2"), commit("e2")]);
      expect(result.ahead.builds.every((b) => b.changed && b.to === null)).toBe(true);
      expect(result).toMatchObject({ behind: false, clean: false, to: { release: null } });
    });

    it("summarises each pair of the chain for the board, as the comparison counts them", async () => {
      const counts = await summary();
      expect(counts).toEqual([
        { from: "dev", to: "qa", releases: 0, commits: 0 },
        { from: "qa", to: "uat", releases: 1, commits: 1 },
        { from: "uat", to: "staging", releases: 0, commits: 0 },
        { from: "staging", to: "prod", releases: 2, commits: 4 },
      ]);
      for (const pair of counts) {
        const full = await compare(pair.from, pair.to);
        expect([full.ahead.releases.length, full.ahead.commits.length]).toEqual([pair.releases, pair.commits]);
      }
    });

    // Last: it changes what prod runs. Issue 15 item 19: "not running now" is not "never ran".
    it("tells a release prod ran before a rollback from one it never ran", async () => {
      await placeRelease(connection.db, "prod", r3.id, new Date("2026-03-06T10:00:00Z"), developer.id);
      await placeRelease(connection.db, "prod", r1.id, new Date("2026-03-06T10:25:00Z"), developer.id); // back to r1
      const result = await compare("staging", "prod");
      expect(result.ahead.releases.map((r) => [r.id, r.ranIn])).toEqual([
        [r3.id, { finishedAt: new Date("2026-03-06T10:00:00Z") }],
        [r2.id, null],
      ]);
    });
  });

  it("lists the comparable environments, each saying whether anything is deployed there (the page opens where there is)", async () => {
    const options = await comparableEnvironments(connection.db);
    expect(options.length).toBeGreaterThan(1);
    const cells = await listCells(connection.db);
    const running = new Set(cells.filter((c) => c.releaseId).map((c) => c.environment));
    expect(options.some((o) => o.deployed)).toBe(true);
    for (const option of options) expect({ ref: option.ref, deployed: option.deployed }).toEqual({ ref: `${option.pipeline}/${option.name}`, deployed: running.has(option.name) });
  });
});
