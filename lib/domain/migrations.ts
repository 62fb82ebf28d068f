import picomatch from "picomatch";

/** A build as the migration decision sees it. */
export interface MigrationBuild {
  id: string;
  version: string;
  /** Paths CI says changed since the app's previous build; null when CI did not say. */
  changedFiles: string[] | null;
}

export interface MigrationDecision {
  run: boolean;
  /** Said on the deployment page: why migrations ran, or why they were skipped. */
  reason: string;
  /** The changed paths under the migration paths (when that is the reason). */
  matched: string[];
}

/**
 * Whether an app's migrations must run for a deployment: only when the release changes files under
 * the app's migration paths compared with what the environment runs. `between` are the app's builds
 * after the running one up to and including the new one (a release that skips versions in this
 * environment still brings their migrations). Unknown changes run migrations: skipping a needed
 * migration is worse than running an idempotent one.
 */
export function decideMigrations(input: { paths: readonly string[]; target: MigrationBuild; running: MigrationBuild | null; between: readonly MigrationBuild[]; force: boolean }): MigrationDecision {
  const { paths, target, running, between, force } = input;
  if (force) return { run: true, reason: "forced by the requester", matched: [] };
  if (!running) return { run: true, reason: "first deployment of this app here", matched: [] };
  if (running.id === target.id) return { run: false, reason: `${target.version} already runs here: no new migrations`, matched: [] };
  const unknown = between.filter((b) => b.changedFiles === null);
  if (unknown.length) {
    return { run: true, reason: `changed files unknown for ${unknown.map((b) => b.version).join(", ")}: running migrations to be safe`, matched: [] };
  }
  const isMigration = picomatch(paths as string[], { dot: true });
  const matched = [...new Set(between.flatMap((b) => b.changedFiles ?? []).filter((file) => isMigration(file)))].sort();
  if (matched.length) {
    return { run: true, reason: `${matched.length} migration file(s) changed since ${running.version}: ${matched.slice(0, 5).join(", ")}${matched.length > 5 ? ", …" : ""}`, matched };
  }
  return { run: false, reason: `no file under ${paths.join(", ")} changed since ${running.version}`, matched: [] };
}
