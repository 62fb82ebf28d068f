import { and, eq, notInArray, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { gateResults, type Deployment, type Environment } from "@/db/schema";
import type { DeploymentKind } from "@/db/schema/enums";
import type { EnvironmentConfig, GatesConfig } from "@/lib/config/schema";
import { canShip, evaluateGates, explain, nextRecheck, type GateOutcome } from "@/lib/domain/gates";
import { newId } from "@/lib/ids";
import { loadGateFacts } from "./gate-queries";

/** Gates guard what moves a release forward. A rollback, a redeploy or a config change restores or repeats what runs, and must never wait on an approval. */
export const GATED_KINDS: readonly DeploymentKind[] = ["promote", "fast-track"];

export interface GateEvaluation {
  outcomes: GateOutcome[];
  canShip: boolean;
  /** "Why can't this ship?": one sentence per unmet gate. */
  blockers: string[];
  recheckAt: Date | null;
  /** Set when waiting cannot help: a rejection, failing tests. The deployment ends with this reason. */
  stop: string | null;
}

const NO_GATES: GatesConfig = { windows: [], freezes: [], checklist: [], incident: true } as unknown as GatesConfig;

/** Messages show local times in the zone the environment's rules are written in. */
function displayZone(config: Partial<EnvironmentConfig>): string {
  const gates = config.gates;
  return gates?.windows?.[0]?.timezone ?? gates?.freezes?.find((f) => f.kind === "recurring")?.timezone ?? "UTC";
}

export async function evaluateDeployment(db: Db, deployment: Deployment, environment: Environment, now: Date): Promise<GateEvaluation> {
  if (!GATED_KINDS.includes(deployment.kind)) return { outcomes: [], canShip: true, blockers: [], recheckAt: null, stop: null };
  const config = environment.settings;
  const outcomes = evaluateGates({
    environment: { name: environment.name, gates: config.gates ?? NO_GATES, overrides: config.overrides },
    fastTrack: deployment.kind === "fast-track" && config.fastTrack ? { approvals: config.fastTrack.approvals } : undefined,
    facts: await loadGateFacts(db, deployment, environment),
    now,
    displayTimeZone: displayZone(config),
  });
  const terminal = outcomes.filter((o) => o.status === "fail" && (o.gate === "approvals" || o.gate === "tests"));
  return {
    outcomes,
    canShip: canShip(outcomes),
    blockers: explain(outcomes),
    recheckAt: nextRecheck(outcomes),
    stop: terminal.length ? terminal.map((o) => o.reason).join("; ") : null,
  };
}

/**
 * Keeps the latest outcome of each gate of the deployment (and drops gates that no longer apply).
 * Two statements whatever the number of gates: a new deployment's are written inside its
 * environment's lock (deployments.ts), where every round trip holds up the next request.
 * @param isNew the deployment was inserted in this transaction: it has no earlier outcomes to drop
 */
export async function storeGateResults(tx: Db, deploymentId: string, outcomes: GateOutcome[], now: Date, isNew = false): Promise<void> {
  const present = outcomes.map((o) => o.gate);
  if (!isNew) {
    await tx.delete(gateResults).where(present.length ? and(eq(gateResults.deploymentId, deploymentId), notInArray(gateResults.gate, present)) : eq(gateResults.deploymentId, deploymentId));
  }
  if (!outcomes.length) return;
  // One row per gate (the table's key): the last outcome of a gate wins, as one upsert each did.
  const latest = [...new Map(outcomes.map((o) => [o.gate, o])).values()];
  await tx
    .insert(gateResults)
    .values(
      latest.map((o) => ({
        id: newId("gat"),
        deploymentId,
        gate: o.gate,
        status: o.status,
        reason: o.reason,
        detail: { ...(o.detail ?? {}), ...(o.recheckAt ? { recheckAt: o.recheckAt.toISOString() } : {}) },
        evaluatedAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [gateResults.deploymentId, gateResults.gate],
      set: { status: sql`excluded.status`, reason: sql`excluded.reason`, detail: sql`excluded.detail`, evaluatedAt: sql`excluded.evaluated_at` },
    });
}
