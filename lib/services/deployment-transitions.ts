import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import { assertTransition } from "@/lib/domain/deployment-state";

/** Columns a transition may write besides the state (`updatedAt`, `finishedAt`, `cancelledBy`, …). */
export type DeploymentTransitionSet = Partial<Omit<typeof deployments.$inferInsert, "id" | "state">>;

export interface DeploymentTransition {
  /** The state(s) the row must be in right now for the change to apply (compare-and-set). */
  from: DeploymentState | readonly DeploymentState[];
  to: DeploymentState;
  set?: DeploymentTransitionSet;
}

function fromStates(change: DeploymentTransition): DeploymentState[] {
  const from = typeof change.from === "string" ? [change.from] : [...change.from];
  if (!from.length) throw new Error("A deployment transition needs at least one state to move from.");
  // Every `from → to` must be in the domain's table (lib/domain/deployment-state.ts).
  for (const state of from) assertTransition(state, change.to);
  if (change.set && "state" in change.set) throw new Error("A deployment's state is set by `to`, not by `set`.");
  return from;
}

/**
 * The one writer of `deployments.state`. Moves the deployments that `which` selects (ids, or a
 * SQL condition) AND that are still in one of `from` to `to`, writing `set` alongside, in `tx`.
 * Rows in another state are left alone: a compare-and-set, so a writer acting on a stale read
 * changes nothing. Returns the ids that moved. Throws IllegalTransitionError before writing when
 * any `from → to` is not allowed by the state machine, and Error when `from` is empty or `set`
 * carries a state.
 */
export async function transitionDeployments(tx: Db, which: readonly string[] | SQL, change: DeploymentTransition): Promise<string[]> {
  const from = fromStates(change);
  if (Array.isArray(which) && which.length === 0) return [];
  const selected = Array.isArray(which) ? inArray(deployments.id, which as string[]) : (which as SQL);
  const moved = await tx
    .update(deployments)
    .set({ ...change.set, state: change.to })
    .where(and(selected, from.length === 1 ? eq(deployments.state, from[0]!) : inArray(deployments.state, from)))
    .returning({ id: deployments.id });
  return moved.map((row) => row.id);
}

/**
 * One deployment `id` from `from` to `to` (see transitionDeployments). Returns whether it applied:
 * false when the row was no longer in `from` (or does not exist).
 */
export async function transitionDeployment(tx: Db, id: string, change: DeploymentTransition): Promise<boolean> {
  return (await transitionDeployments(tx, [id], change)).length === 1;
}
