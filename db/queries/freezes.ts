import { and, asc, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "@/db/client";
import { environments, freezes, pipelines, users, type Freeze as FreezeRow } from "@/db/schema";
import type { StoredFreeze } from "@/lib/domain/gates/freeze";

/**
 * How freezes declared in Slipway are read: rows joined with their environment, pipeline and
 * people. The freeze gate, the board's promotion previews and the freeze list all read them here,
 * so what blocks a deployment and what people are shown come from one loader.
 */

const creator = alias(users, "freeze_creator");
const lifter = alias(users, "freeze_lifter");

/** A freeze row with the names around it (null where the reference is unset or gone). */
export type JoinedFreeze = {
  freeze: FreezeRow;
  environment: string | null;
  pipeline: string | null;
  creatorName: string | null;
  creatorEmail: string | null;
  lifterName: string | null;
  lifterEmail: string | null;
};

/** The freeze select with its joins, for the caller to add where/order/lock (it composes inside transactions). */
export function selectFreezes(db: Db) {
  return db
    .select({
      freeze: freezes,
      environment: environments.name,
      pipeline: pipelines.name,
      creatorName: creator.name,
      creatorEmail: creator.email,
      lifterName: lifter.name,
      lifterEmail: lifter.email,
    })
    .from(freezes)
    .leftJoin(environments, eq(environments.id, freezes.environmentId))
    .leftJoin(pipelines, sql`${pipelines.id} = coalesce(${freezes.pipelineId}, ${environments.pipelineId})`)
    .leftJoin(creator, eq(creator.id, freezes.createdBy))
    .leftJoin(lifter, eq(lifter.id, freezes.liftedBy));
}

/** A joined row as the freeze gate takes it (`FreezeSources.stored`). */
export function storedOf(row: JoinedFreeze): StoredFreeze {
  const f = row.freeze;
  return {
    id: f.id,
    name: f.name,
    reason: f.reason,
    startsAt: f.startsAt,
    endsAt: f.endsAt,
    rrule: f.rrule,
    durationMs: f.durationMs,
    timezone: f.timezone,
    environment: row.environment,
    environmentId: f.environmentId,
    pipelineId: f.environmentId ? null : f.pipelineId,
    pipeline: f.environmentId ? null : row.pipeline,
    createdBy: row.creatorName ?? "someone",
    liftedAt: f.liftedAt,
  };
}

export interface StoredFreezesParams {
  /**
   * Only the freezes that apply to this environment (by id): its own, its pipeline's and the
   * organisation's ("stop the line"). Omitted: every environment's (the gate picks per environment).
   */
  environmentId?: string;
  /** Leave out freezes whose end is at or before this instant. Omitted: keep ended ones too. */
  notEndedBy?: Date;
}

/**
 * The freezes not lifted, as the freeze gate takes them, ordered by start (then id).
 * Ended ones are left to the gate unless `notEndedBy` drops them here.
 */
export async function listStoredFreezes(db: Db, params: StoredFreezesParams = {}): Promise<StoredFreeze[]> {
  const conditions: (SQL | undefined)[] = [isNull(freezes.liftedAt)];
  if (params.environmentId) {
    const ofPipeline = sql`${freezes.pipelineId} = (select ${environments.pipelineId} from ${environments} where ${environments.id} = ${params.environmentId})`;
    conditions.push(or(eq(freezes.environmentId, params.environmentId), and(isNull(freezes.environmentId), or(isNull(freezes.pipelineId), ofPipeline))));
  }
  if (params.notEndedBy) conditions.push(or(isNull(freezes.endsAt), gt(freezes.endsAt, params.notEndedBy)));
  const rows = await selectFreezes(db)
    .where(and(...conditions))
    .orderBy(asc(freezes.startsAt), asc(freezes.id));
  return rows.map(storedOf);
}
