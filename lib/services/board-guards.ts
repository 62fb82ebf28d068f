import { and, asc, isNull, or, sql } from "drizzle-orm";
import { preparedRead } from "@/db/queries/prepared";
import { freezes } from "@/db/schema";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { gateStateAt, type GateState } from "@/lib/domain/gate-state";
import type { StoredFreeze } from "@/lib/domain/gates";
import type { Db } from "@/db/client";
import { selectFreezes, storedOf } from "@/db/queries/freezes";
import { viewOfStored, type FreezeView } from "./freeze-queries";
import { openIncidentsOfPipeline } from "./incident-queries";

/**
 * What guards a pipeline's environments, read once for the whole chain (a board, a release's
 * whereabouts) instead of a few statements per environment.
 */

/** Freezes and open incidents that cover one pipeline; `banner`: its and the organisation's stop-the-line freezes, active or upcoming. */
export type Guards = { stored: StoredFreeze[]; banner: FreezeView[]; incidents: Awaited<ReturnType<typeof openIncidentsOfPipeline>> };

/** Freezes (not lifted, not over) and open incidents that cover this pipeline: two statements. */
export async function loadGuards(db: Db, pipelineId: string, now: Date): Promise<Guards> {
  const [rows, incidents] = await Promise.all([liveFreezesOfPipeline(db, { pipelineId, now: now.toISOString() }), openIncidentsOfPipeline(db, pipelineId)]);
  return guardsOf(rows, incidents, now);
}

/**
 * The freezes that cover this pipeline and are not lifted or over at `now`, as loadGuards reads
 * them (one statement): which freezes count moves with the time, so a board reads them on every
 * view while its other reads are shared (lib/services/revision-cache.ts).
 */
export function liveFreezeRows(db: Db, pipelineId: string, now: Date) {
  return liveFreezesOfPipeline(db, { pipelineId, now: now.toISOString() });
}

/** The guards of `freezeRows` (liveFreezeRows) and `incidents` (openIncidentsOfPipeline) at `now`. */
export function guardsOf(freezeRows: Awaited<ReturnType<typeof liveFreezeRows>>, incidents: Guards["incidents"], now: Date): Guards {
  const banner = freezeRows
    .filter((r) => r.freeze.environmentId === null)
    .map((r) => viewOfStored(r, now))
    .filter((f) => f.state === "active" || f.state === "upcoming");
  return { stored: freezeRows.map(storedOf), banner, incidents };
}

// Read on every board view: prepared (db/queries/prepared.ts), built once.
const liveFreezesOfPipeline = preparedRead("live_freezes_of_pipeline", (db, name) => {
  const pipelineId = sql.placeholder("pipelineId");
  const covering = or(sql`${freezes.environmentId} in (select id from environments where pipeline_id = ${pipelineId})`, and(isNull(freezes.environmentId), or(isNull(freezes.pipelineId), sql`${freezes.pipelineId} = ${pipelineId}`)));
  return selectFreezes(db)
    .where(and(covering, isNull(freezes.liftedAt), or(isNull(freezes.endsAt), sql`${freezes.endsAt} > ${sql.placeholder("now")}::timestamptz`)))
    .orderBy(asc(freezes.startsAt), asc(freezes.id))
    .prepare(name);
});

/** What guards one environment now: its windows and freezes (slipway.yaml's and stored), incidents, hold. */
export function gateStateOf(environment: { id: string; name: string; settings: unknown; hold: { at: Date; by: string | null; reason: string | null } | null }, guards: Guards, now: Date): GateState {
  const config = environment.settings as Partial<EnvironmentConfig>;
  return gateStateAt(
    {
      windows: config.gates?.windows ?? [],
      freezes: { configured: config.gates?.freezes ?? [], stored: guards.stored.filter((f) => f.environmentId === null || f.environmentId === environment.id), environment: environment.name },
      incidents: guards.incidents.filter((i) => i.environmentId === null || i.environmentId === environment.id).map((i) => i.gate),
      hold: environment.hold,
    },
    now,
  );
}
