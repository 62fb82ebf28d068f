import type { Db } from "@/db/client";
import type { Actor } from "@/lib/auth/actor";
import { registerBuild } from "@/lib/services/builds";
import { createRelease } from "@/lib/services/releases";
import { contextFor } from "./fixtures";

let sequence = 0;

/** Registers one build per app at `version` and cuts a release of them (on `branch`). */
export async function makeRelease(db: Db, actor: Actor, version: string, options: { branch?: string; at?: string; changedFiles?: Record<string, string[] | null> } = {}) {
  sequence += 1;
  const ctx = contextFor(db, actor, options.at ?? new Date(Date.UTC(2026, 2, 1, 0, sequence)).toISOString());
  const commit = sequence.toString(16).padStart(8, "0") + "c".repeat(32);
  const ids: string[] = [];
  for (const app of ["portal", "admin", "api-gateway"]) {
    const { build } = await registerBuild(ctx, {
      app,
      version,
      commit,
      branch: options.branch ?? "develop",
      digest: `sha256:${(sequence * 7 + ids.length).toString(16).padStart(64, "0")}`,
      artifact: `/artifacts/${app}-${version}.mjs`,
      ...(options.changedFiles && app in options.changedFiles ? (options.changedFiles[app] === null ? {} : { changedFiles: options.changedFiles[app] }) : { changedFiles: [] }),
    });
    ids.push(build.id);
  }
  const { release } = await createRelease(ctx, { commit, branch: options.branch ?? "develop", builds: ids });
  return release;
}
