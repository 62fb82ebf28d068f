import { and, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments } from "@/db/schema";
import type { EnvironmentState } from "@/db/schema/enums";
import { assertEnvironmentTransition } from "@/lib/domain/environment-state";

/** Columns a transition may write besides the state (`position`, `tornDownAt`, `lastRequestAt`, …). */
export type EnvironmentTransitionSet = Partial<Omit<typeof environments.$inferInsert, "id" | "state">>;

export interface EnvironmentTransition {
  /** The state(s) the row must be in right now for the change to apply (compare-and-set). */
  from: EnvironmentState | readonly EnvironmentState[];
  to: EnvironmentState;
  set?: EnvironmentTransitionSet;
}

function fromStates(change: EnvironmentTransition): EnvironmentState[] {
  const from = typeof change.from === "string" ? [change.from] : [...change.from];
  if (!from.length) throw new Error("An environment transition needs at least one state to move from.");
  // Every `from → to` must be in the domain's table (lib/domain/environment-state.ts).
  for (const state of from) assertEnvironmentTransition(state, change.to);
  if (change.set && "state" in change.set) throw new Error("An environment's state is set by `to`, not by `set`.");
  return from;
}

/**
 * The one writer of `environments.state`. Moves the environments that `which` selects (ids, or a
 * SQL condition) AND that are still in one of `from` to `to`, writing `set` alongside, in `tx`.
 * Rows in another state are left alone (compare-and-set). Returns the ids that moved. Throws
 * IllegalEnvironmentTransitionError before writing when any `from → to` is not allowed by the
 * state machine, and Error when `from` is empty or `set` carries a state.
 */
export async function transitionEnvironments(tx: Db, which: readonly string[] | SQL, change: EnvironmentTransition): Promise<string[]> {
  const from = fromStates(change);
  if (Array.isArray(which) && which.length === 0) return [];
  const selected = Array.isArray(which) ? inArray(environments.id, which as string[]) : (which as SQL);
  const moved = await tx
    .update(environments)
    .set({ ...change.set, state: change.to })
    .where(and(selected, from.length === 1 ? eq(environments.state, from[0]!) : inArray(environments.state, from)))
    .returning({ id: environments.id });
  return moved.map((row) => row.id);
}

/**
 * One environment `id` from `from` to `to` (see transitionEnvironments). Returns whether it
 * applied: false when the row was no longer in `from` (or does not exist).
 */
export async function transitionEnvironment(tx: Db, id: string, change: EnvironmentTransition): Promise<boolean> {
  return (await transitionEnvironments(tx, [id], change)).length === 1;
}
