import type { Db } from "@/db/client";
import type { EnvironmentConfig } from "@/lib/config/schema";
import type { Clock } from "@/lib/domain/clock";
import { gateStateAt, type GateState } from "@/lib/domain/gate-state";
import { listStoredFreezes } from "@/db/queries/freezes";
import { openIncidentsForGate } from "./incidents";

/** The environment fields the gate state needs (an EnvironmentView has them). */
export interface GateStateEnvironment {
  id: string;
  name: string;
  settings: unknown;
  hold: { at: Date; by: string | null; reason: string | null } | null;
}

/**
 * The live gate state of each environment, keyed by name: freezes in force (slipway.yaml's and
 * those declared in Slipway, for it or for every environment), its deployment windows now, open
 * incidents and a hold. Read-only; a few small queries per environment.
 */
export async function loadGateStates(db: Db, clock: Clock, environments: readonly GateStateEnvironment[]): Promise<Map<string, GateState>> {
  const now = clock.now();
  const states = await Promise.all(
    environments.map(async (environment) => {
      const config = environment.settings as Partial<EnvironmentConfig>; // EnvironmentView (environments.ts) still carries settings untyped
      const [stored, incidents] = await Promise.all([listStoredFreezes(db, { environmentId: environment.id }), openIncidentsForGate(db, environment.id)]);
      const state = gateStateAt(
        {
          windows: config.gates?.windows ?? [],
          freezes: { configured: config.gates?.freezes ?? [], stored, environment: environment.name },
          incidents,
          hold: environment.hold,
        },
        now,
      );
      return [environment.name, state] as const;
    }),
  );
  return new Map(states);
}
