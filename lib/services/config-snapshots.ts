import { and, desc, eq, inArray, isNotNull, sql, type SQLWrapper } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, configSnapshots, deployments, environmentApps, environments, type ConfigSnapshot, type ConfigSnapshotEntry } from "@/db/schema";
import { fromJsonArray, fromJsonObject, jsonArray, jsonObject } from "@/db/queries/json-rows";
import { preparedRead } from "@/db/queries/prepared";
import type { DeploymentKind } from "@/db/schema/enums";
import { diffConfig, sameConfig, type ConfigChange, type ConfigValue } from "@/lib/domain/config-diff";
import { newId } from "@/lib/ids";
import { decryptSecret, encryptSecret } from "@/lib/secrets";
import { resolvedValueOf, toVariableView, variableFields, variablesQuery, type ConfigVariableView, type VariableRow } from "./config-vars";
import { SHIPPED_DEPLOYMENT_STATES } from "@/lib/domain/vocabulary";

/**
 * Config versions. Editing a variable changes only the environment's *pending* config; a
 * deployment records the exact version it runs with (`deployments.config_snapshot_id`), and the
 * controller hands the apps that version — never the live table. Which version a deployment takes:
 *
 * - `config`: the pending config (that is what it is for: applying edits);
 * - `promote`, `fast-track`, `redeploy`: the config the environment runs now (an edit not yet
 *   applied never rides along) unless the request says `applyPendingConfig`; an environment that
 *   never recorded a version takes its pending config;
 * - `rollback`: the config the target release last ran with there — or, when asked to keep the
 *   current config, what runs now.
 */

export type RollbackConfigChoice = "restore" | "keep-current";

/** The pending config of an environment: each variable resolved (secret references followed) and secrets encrypted again. One statement. */
async function pendingEntries(db: Db, environmentId: string): Promise<ConfigSnapshotEntry[]> {
  return entriesOf((await variablesQuery(db, environmentId)) as VariableRow[]);
}

/** Variables (as variablesQuery reads them) as the entries of a config version: each value resolved, secrets encrypted again. */
function entriesOf(rows: readonly VariableRow[]): ConfigSnapshotEntry[] {
  return rows.map((row) => {
    const value = resolvedValueOf(row);
    return { key: row.key, appId: row.appId, secret: row.secret, value: row.secret ? null : value, encryptedValue: row.secret ? encryptSecret(value) : null };
  });
}

/** The names of the apps these entries name (one statement, only those apps: never every app of every pipeline). */
async function appNamesOf(db: Db, ...entryLists: readonly (readonly ConfigSnapshotEntry[])[]): Promise<Map<string, string>> {
  const ids = [...new Set(entryLists.flat().flatMap((e) => (e.appId ? [e.appId] : [])))];
  if (ids.length === 0) return new Map();
  return new Map((await db.select({ id: apps.id, name: apps.name }).from(apps).where(inArray(apps.id, ids))).map((a) => [a.id, a.name]));
}

const plain = (entry: ConfigSnapshotEntry): string => (entry.secret ? decryptSecret(entry.encryptedValue ?? "") : (entry.value ?? ""));

/** Entries as comparable values (secrets decrypted in memory only, never returned to people). */
function valuesOf(entries: readonly ConfigSnapshotEntry[], appNames: ReadonlyMap<string, string>): ConfigValue[] {
  return entries.map((e) => ({ key: e.key, app: e.appId ? (appNames.get(e.appId) ?? e.appId) : null, secret: e.secret, value: plain(e) }));
}

/**
 * Records the environment's pending config as a version (reusing the newest version when nothing
 * changed). Runs in the caller's transaction. Returns the version.
 */
export async function snapshotPendingConfig(tx: Db, environmentId: string, createdBy: string | null, now: Date): Promise<ConfigSnapshot> {
  const entries = await pendingEntries(tx, environmentId);
  const [latest] = await tx.select().from(configSnapshots).where(eq(configSnapshots.environmentId, environmentId)).orderBy(desc(configSnapshots.version)).limit(1);
  const byId = new Map<string, string>();
  if (latest && sameConfig(valuesOf(latest.entries, byId), valuesOf(entries, byId))) return latest;
  const row: ConfigSnapshot = { id: newId("cfv"), environmentId, version: (latest?.version ?? 0) + 1, entries, createdBy, createdAt: now };
  await tx.insert(configSnapshots).values(row);
  return row;
}

/** The config version the environment runs now: the one its current deployment recorded (null when none did). */
export async function runningSnapshotId(db: Db, environmentId: string): Promise<string | null> {
  const [row] = await runningSnapshotQuery(db, environmentId);
  return row?.id ?? null;
}

/**
 * The query behind runningSnapshotId, to await or to nest as a subquery (one statement either way).
 * Each cell's deployment is probed by primary key (a nested loop over the environment's cells,
 * 600 probes for a 600-app environment). As a plain join PostgreSQL may merge-join instead, walking
 * deployments' primary key backwards and filtering for a recorded config version: where few
 * deployments record one (history from before config versions) that read all 1,000,000 rows (1.9 s
 * for the statement, on every environment page).
 */
function runningSnapshotQuery(db: Db, environmentId: string | SQLWrapper) {
  const cellDeployment = db
    .select({
      snapshotId: sql<string>`${deployments.configSnapshotId}`.as("cell_snapshot_id"),
      createdAt: sql<Date>`${deployments.createdAt}`.as("cell_deployment_created_at"),
      deploymentId: sql<string>`${deployments.id}`.as("cell_deployment_id"),
    })
    .from(deployments)
    .where(and(eq(deployments.id, environmentApps.deploymentId), isNotNull(deployments.configSnapshotId)))
    .limit(1) // one row by primary key anyway; a limit keeps PostgreSQL from flattening the subquery
    .as("cell_deployment");
  return db
    .select({ id: cellDeployment.snapshotId })
    .from(environmentApps)
    .innerJoinLateral(cellDeployment, sql`true`)
    .where(eq(environmentApps.environmentId, environmentId))
    .orderBy(desc(cellDeployment.createdAt), desc(cellDeployment.deploymentId))
    .limit(1);
}

/** The config version `releaseId` last ran with in the environment (null when it never recorded one). */
export async function lastSnapshotOfRelease(db: Db, environmentId: string, releaseId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: deployments.configSnapshotId })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId), eq(deployments.releaseId, releaseId), inArray(deployments.state, [...SHIPPED_DEPLOYMENT_STATES]), isNotNull(deployments.configSnapshotId)))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(1);
  return row?.id ?? null;
}

/** The config version a new deployment runs with (see the module comment). Runs in the caller's transaction. */
export async function snapshotFor(
  tx: Db,
  request: { environmentId: string; kind: DeploymentKind; releaseId: string; config?: RollbackConfigChoice | undefined; applyPending?: boolean | undefined },
  createdBy: string,
  now: Date,
): Promise<string> {
  if (request.kind !== "config" && !(request.applyPending && request.kind !== "rollback")) {
    const restored = request.kind === "rollback" && request.config !== "keep-current" ? await lastSnapshotOfRelease(tx, request.environmentId, request.releaseId) : null;
    const chosen = restored ?? (await runningSnapshotId(tx, request.environmentId));
    if (chosen) return chosen;
  }
  return (await snapshotPendingConfig(tx, request.environmentId, createdBy, now)).id;
}

/**
 * Config versions by id, in one statement: a rollout plans every app of one version, and a restore
 * page a few versions for up to 200 cells, so each is read once rather than once per app.
 */
export async function configSnapshotsById(db: Db, ids: readonly (string | null)[]): Promise<Map<string, ConfigSnapshot>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Map();
  return new Map((await db.select().from(configSnapshots).where(inArray(configSnapshots.id, wanted))).map((s) => [s.id, s]));
}

/** A config version's values for one app: environment-wide ones, overridden by the app's own. Secrets decrypted (for the platform only). */
export function snapshotConfigOf(snapshot: ConfigSnapshot, appId: string): { values: Record<string, string>; secretValues: string[] } {
  const values: Record<string, string> = {};
  const secrets = new Map<string, string>();
  const applicable = snapshot.entries.filter((e) => e.appId === null || e.appId === appId);
  for (const entry of [...applicable.filter((e) => e.appId === null), ...applicable.filter((e) => e.appId !== null)]) {
    values[entry.key] = plain(entry);
    if (entry.secret) secrets.set(entry.key, values[entry.key]!);
    else secrets.delete(entry.key);
  }
  return { values, secretValues: [...secrets.values()].filter((v) => v.length >= 4) };
}

export interface RollbackConfigPreview {
  /** The version the environment runs now (null: none recorded). */
  currentVersion: number | null;
  /** The version the release last ran with there (null: none recorded; a rollback then keeps the current one). */
  restoredVersion: number | null;
  /** What restoring changes, current → restored (secret values never shown). */
  changes: ConfigChange[];
  /** Edits made since the running version, which a rollback applies in neither case. */
  pendingChanges: ConfigChange[];
}

/** What rolling `environmentId` back to `releaseId` would do to its config, for the rollback dialog. */
export async function rollbackConfigPreview(db: Db, environmentId: string, releaseId: string): Promise<RollbackConfigPreview> {
  const [currentId, restoredId] = await Promise.all([runningSnapshotId(db, environmentId), lastSnapshotOfRelease(db, environmentId, releaseId)]);
  const snapshots = await configSnapshotsById(db, [currentId, restoredId]);
  const current = (currentId && snapshots.get(currentId)) || null;
  const restored = (restoredId && snapshots.get(restoredId)) || null;
  const pendingList = await pendingEntries(db, environmentId);
  const appNames = await appNamesOf(db, pendingList, current?.entries ?? [], restored?.entries ?? []);
  const pending = valuesOf(pendingList, appNames);
  const currentValues = current ? valuesOf(current.entries, appNames) : pending;
  return {
    currentVersion: current?.version ?? null,
    restoredVersion: restored?.version ?? null,
    changes: restored ? diffConfig(currentValues, valuesOf(restored.entries, appNames)) : [],
    pendingChanges: diffConfig(currentValues, pending),
  };
}

/**
 * The edits not yet applied: the running config version → the pending config (secret values never
 * shown). Null when the environment runs no recorded version (nothing to compare with).
 */
export async function pendingConfigChanges(db: Db, environmentId: string): Promise<ConfigChange[] | null> {
  const runningId = await runningSnapshotId(db, environmentId);
  if (!runningId) return null;
  const [running] = await db.select().from(configSnapshots).where(eq(configSnapshots.id, runningId));
  if (!running) return null;
  const pending = await pendingEntries(db, environmentId);
  const appNames = await appNamesOf(db, running.entries, pending);
  return diffConfig(valuesOf(running.entries, appNames), valuesOf(pending, appNames));
}

/** A config version as environmentConfigState() nests it: with the names of the apps its entries name. */
const snapshotFields = {
  id: configSnapshots.id,
  version: configSnapshots.version,
  entries: configSnapshots.entries,
  appNames: sql<Record<string, string> | null>`(select json_object_agg(a.id, a.name) from apps a where a.id in (select e ->> 'appId' from jsonb_array_elements(${configSnapshots.entries}) e))`,
};

// Read on every environment page: prepared (db/queries/prepared.ts), built once instead of per request.
const configStateStatement = preparedRead("environment_config_state", (db, name) => {
  const environmentId = sql.placeholder("environmentId");
  const restoredId = db
    .select({ id: deployments.configSnapshotId })
    .from(deployments)
    .where(and(eq(deployments.environmentId, environmentId), eq(deployments.releaseId, sql.placeholder("rollbackTo")), inArray(deployments.state, [...SHIPPED_DEPLOYMENT_STATES]), isNotNull(deployments.configSnapshotId)))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(1);
  const snapshot = (id: SQLWrapper) =>
    sql`${db
      .select({ row: jsonObject(snapshotFields) })
      .from(configSnapshots)
      .where(eq(configSnapshots.id, id))}`;
  return db
    .select({
      variables: jsonArray(variablesQuery(db, environmentId, { row: jsonObject(variableFields) })),
      running: snapshot(runningSnapshotQuery(db, environmentId)),
      restored: snapshot(restoredId),
    })
    .from(environments)
    .where(eq(environments.id, environmentId))
    .prepare(name);
});

/**
 * For an environment's page, in one statement whatever the number of variables or apps: its
 * variables as people see them (configVariablesOf), the pending edits (as pendingConfigChanges:
 * null when no running version is recorded) and, with `rollbackTo`, what rolling back to that
 * release would do to the config (as rollbackConfigPreview).
 */
export async function environmentConfigState(db: Db, environmentId: string, rollbackTo: string | null): Promise<{ variables: ConfigVariableView[]; pendingChanges: ConfigChange[] | null; rollback: RollbackConfigPreview | null }> {
  // No release has the id "": without a rollback target the restored snapshot is null.
  const [row] = await configStateStatement(db, { environmentId, rollbackTo: rollbackTo ?? "" });
  const variables = fromJsonArray(variableFields, row?.variables) as VariableRow[];
  const current = row?.running ? fromJsonObject(snapshotFields, row.running) : null;
  const restoredSnapshot = row?.restored ? fromJsonObject(snapshotFields, row.restored) : null;
  const entries = entriesOf(variables);
  const appNames = new Map<string, string>([...Object.entries(current?.appNames ?? {}), ...Object.entries(restoredSnapshot?.appNames ?? {}), ...variables.flatMap((v) => (v.appId && v.app ? [[v.appId, v.app] as [string, string]] : []))]);
  const pending = valuesOf(entries, appNames);
  const currentValues = current ? valuesOf(current.entries, appNames) : pending;
  return {
    variables: variables.map(toVariableView),
    pendingChanges: current ? diffConfig(currentValues, pending) : null,
    rollback: rollbackTo
      ? {
          currentVersion: current?.version ?? null,
          restoredVersion: restoredSnapshot?.version ?? null,
          changes: restoredSnapshot ? diffConfig(currentValues, valuesOf(restoredSnapshot.entries, appNames)) : [],
          pendingChanges: diffConfig(currentValues, pending),
        }
      : null,
  };
}
