import { describe, expect, it } from "vitest";
import { decideMigrations, type MigrationBuild } from "./migrations";

const paths = ["services/portal/migrations/**"];
const build = (id: string, changedFiles: string[] | null): MigrationBuild => ({ id, version: id, changedFiles });
const v1 = build("1.0.0", []);

describe("migration detection", () => {
  it("runs when a file under a migration path changed", () => {
    const v2 = build("2.0.0", ["services/portal/src/app.ts", "services/portal/migrations/0007_orders.sql"]);
    expect(decideMigrations({ paths, target: v2, running: v1, between: [v2], force: false })).toEqual({
      run: true,
      reason: "1 migration file(s) changed since 1.0.0: services/portal/migrations/0007_orders.sql",
      matched: ["services/portal/migrations/0007_orders.sql"],
    });
  });

  it("skips, and says why, when none changed", () => {
    const v2 = build("2.0.0", ["services/portal/src/app.ts", "services/admin/migrations/0001.sql"]);
    expect(decideMigrations({ paths, target: v2, running: v1, between: [v2], force: false })).toEqual({
      run: false,
      reason: "no file under services/portal/migrations/** changed since 1.0.0",
      matched: [],
    });
  });

  it("runs when forced, whatever changed", () => {
    const v2 = build("2.0.0", []);
    expect(decideMigrations({ paths, target: v2, running: v1, between: [v2], force: true })).toMatchObject({ run: true, reason: "forced by the requester" });
  });

  it("counts the versions this environment skipped", () => {
    const v2 = build("2.0.0", ["services/portal/migrations/0008.sql"]);
    const v3 = build("3.0.0", ["README.md"]);
    expect(decideMigrations({ paths, target: v3, running: v1, between: [v2, v3], force: false })).toMatchObject({ run: true, matched: ["services/portal/migrations/0008.sql"] });
  });

  it("runs to be safe when CI did not say what changed, and on a first deployment", () => {
    const v2 = build("2.0.0", null);
    expect(decideMigrations({ paths, target: v2, running: v1, between: [v2], force: false })).toMatchObject({ run: true, reason: "changed files unknown for 2.0.0: running migrations to be safe" });
    expect(decideMigrations({ paths, target: v2, running: null, between: [], force: false })).toMatchObject({ run: true, reason: "first deployment of this app here" });
  });

  it("does nothing when the build already runs", () => {
    expect(decideMigrations({ paths, target: v1, running: v1, between: [], force: false }).run).toBe(false);
  });

  it("matches dotfiles and nested folders", () => {
    const v2 = build("2.0.0", ["services/portal/migrations/2026/11/.keep"]);
    expect(decideMigrations({ paths, target: v2, running: v1, between: [v2], force: false }).run).toBe(true);
  });
});
