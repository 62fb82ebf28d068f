import type { Db } from "@/db/client";
import type { Clock } from "@/lib/domain/clock";
import type { GateState } from "@/lib/domain/gate-state";
import { gateStateOf, loadGuards } from "./board-guards";

/** The environment fields the gate state needs (an EnvironmentView has them). */
export interface GateStateEnvironment {
  id: string;
  /** Its pipeline: freezes and incidents are read once per pipeline. */
  pipelineId: string;
  name: string;
  settings: unknown;
  hold: { at: Date; by: string | null; reason: string | null } | null;
}

/**
 * The live gate state of each environment, keyed by name: freezes in force (slipway.yaml's and
 * those declared in Slipway, for it, its pipeline or every environment), its deployment windows
 * now, open incidents and a hold. Read-only; two statements per pipeline, whatever the number of
 * environments.
 */
export async function loadGateStates(db: Db, clock: Clock, environments: readonly GateStateEnvironment[]): Promise<Map<string, GateState>> {
  const now = clock.now();
  const pipelineIds = [...new Set(environments.map((e) => e.pipelineId))];
  const guards = new Map(await Promise.all(pipelineIds.map(async (id) => [id, await loadGuards(db, id, now)] as const)));
  return new Map(environments.map((environment) => [environment.name, gateStateOf(environment, guards.get(environment.pipelineId)!, now)]));
}
