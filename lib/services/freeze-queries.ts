import { storedOf, type JoinedFreeze } from "@/db/queries/freezes";
import type { Freeze as ConfiguredFreeze } from "@/lib/config/schema";
import { activeFreezes, nextFreezeStart, type FreezeSources } from "@/lib/domain/gates/freeze";
import type { PersonRef } from "./environments";

/**
 * The view of freezes people and the API see — from the database (rows read by
 * db/queries/freezes.ts) or slipway.yaml, with where each stands now, computed by the freeze
 * gate's own functions so the list and the gate agree.
 */

const DAY_MS = 86_400_000;
/** How far ahead "when does it next start" looks; a recurring freeze with nothing in it has ended. */
export const NEXT_HORIZON_MS = 5 * 366 * DAY_MS;

export type FreezeState = "active" | "upcoming" | "ended" | "lifted";

/** A freeze as people and the API see it, from the database or from slipway.yaml. */
export interface FreezeView {
  /** null for freezes from slipway.yaml (they are changed by editing the file). */
  id: string | null;
  /** Where it was declared: "ui", "api", "cli" — or "slipway.yaml". */
  source: string;
  /** null: every environment of `pipeline`, or of every pipeline when that is null too ("stop the line"). */
  environment: string | null;
  /** The pipeline of the environment, or the whole pipeline frozen; null: the whole organisation. */
  pipeline: string | null;
  name: string;
  reason: string;
  /** One-off: its start. Recurring from the database: when its rule starts (its first occurrence is on or after it). null for recurring ones from slipway.yaml. */
  startsAt: Date | null;
  /** null: until lifted (or, for slipway.yaml recurring ones, forever). */
  endsAt: Date | null;
  rrule: string | null;
  durationMs: number | null;
  timezone: string | null;
  state: FreezeState;
  active: boolean;
  /** The period blocking now (active) or the next one (upcoming), overlapping occurrences merged. */
  period: { start: Date; end: Date | null } | null;
  /** When it next starts after now: the next occurrence of a recurring freeze, the start of an upcoming one. */
  nextStart: Date | null;
  createdBy: PersonRef | null;
  createdAt: Date | null;
  /** `beforeStart`: lifted before it began (cancelled), so it never held a deployment back. */
  lifted: { at: Date; by: PersonRef | null; reason: string | null; beforeStart: boolean } | null;
  /** Only freezes from the database can be lifted, and only while active or upcoming. */
  liftable: boolean;
  /** Why the schedule could not be evaluated (the gate then fails closed: it counts as active). */
  problem: string | null;
}

const person = (id: string | null, name: string | null, email: string | null): PersonRef | null => (id && name && email ? { id, name, email } : null);

/** Where a freeze stands at `now`, computed by the gate's own functions so the list and the gate agree. */
function timing(sources: FreezeSources, now: Date): Pick<FreezeView, "state" | "active" | "period" | "nextStart" | "problem"> {
  try {
    const current = activeFreezes(sources, now)[0] ?? null;
    const next = nextFreezeStart(sources, now, NEXT_HORIZON_MS);
    if (current) return { state: "active", active: true, period: { start: current.start, end: current.end }, nextStart: next?.start ?? null, problem: null };
    if (next) return { state: "upcoming", active: false, period: { start: next.start, end: next.end }, nextStart: next.start, problem: null };
    return { state: "ended", active: false, period: null, nextStart: null, problem: null };
  } catch (error) {
    // The gate fails closed on a schedule it cannot read: show it as blocking, with the reason.
    return { state: "active", active: true, period: null, nextStart: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Whether a lifted freeze was lifted before its first period began (cancelled: it never held a
 * deployment back). A recurring freeze's first period is its rule's first occurrence on or after
 * `startsAt` (a weekly Friday freeze declared on a Monday first starts that Friday), found by the
 * gate's own schedule functions on the freeze as if it had not been lifted.
 */
function liftedBeforeFirstPeriod(row: JoinedFreeze, liftedAt: Date): boolean {
  const unlifted = { ...storedOf(row), liftedAt: null };
  try {
    const first = nextFreezeStart({ configured: [], stored: [unlifted], environment: row.environment ?? "*" }, new Date(row.freeze.startsAt.getTime() - 1), NEXT_HORIZON_MS);
    return first !== null && liftedAt < first.start;
  } catch {
    return false; // a schedule the gate cannot read counted as active: it was in force
  }
}

export function viewOfStored(row: JoinedFreeze, now: Date): FreezeView {
  const f = row.freeze;
  const stored = storedOf(row);
  const lifted = f.liftedAt ? { at: f.liftedAt, by: person(f.liftedBy, row.lifterName, row.lifterEmail), reason: f.liftReason, beforeStart: liftedBeforeFirstPeriod(row, f.liftedAt) } : null;
  const when = lifted ? { state: "lifted" as const, active: false, period: null, nextStart: null, problem: null } : timing({ configured: [], stored: [stored], environment: row.environment ?? "*" }, now);
  return {
    id: f.id,
    source: f.source,
    environment: row.environment,
    pipeline: row.pipeline,
    name: f.name,
    reason: f.reason,
    startsAt: f.startsAt,
    endsAt: f.endsAt,
    rrule: f.rrule,
    durationMs: f.durationMs,
    timezone: f.timezone,
    ...when,
    createdBy: person(f.createdBy, row.creatorName, row.creatorEmail),
    createdAt: f.createdAt,
    lifted,
    liftable: when.state === "active" || when.state === "upcoming",
  };
}

export function viewOfConfigured(environment: string, freeze: ConfiguredFreeze, now: Date, pipeline: string | null = null): FreezeView {
  const oneOff = freeze.kind === "one-off";
  return {
    id: null,
    source: "slipway.yaml",
    environment,
    pipeline,
    name: freeze.name,
    reason: freeze.reason,
    startsAt: oneOff ? new Date(freeze.start) : null,
    endsAt: oneOff ? new Date(freeze.end) : null,
    rrule: oneOff ? null : freeze.rrule,
    durationMs: oneOff ? null : freeze.duration,
    timezone: oneOff ? null : freeze.timezone,
    ...timing({ configured: [freeze], stored: [], environment }, now),
    createdBy: null,
    createdAt: null,
    lifted: null,
    liftable: false,
  };
}

/** The freezes slipway.yaml declares for an environment (its settings are the parsed file). */
export function configuredFreezes(settings: unknown): ConfiguredFreeze[] {
  const list = (settings as { gates?: { freezes?: unknown } } | null)?.gates?.freezes;
  if (!Array.isArray(list)) return [];
  return list.filter((f): f is ConfiguredFreeze => typeof f === "object" && f !== null && ((f as { kind?: unknown }).kind === "one-off" || (f as { kind?: unknown }).kind === "recurring"));
}

const STATE_ORDER: Record<FreezeState, number> = { active: 0, upcoming: 1, ended: 2, lifted: 3 };
const FAR = Number.MAX_SAFE_INTEGER;

/** Active first (soonest to end first, open-ended last), then upcoming by start, then the history, newest first. */
export function compareFreezes(a: FreezeView, b: FreezeView): number {
  if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
  if (a.state === "active") return (a.period?.end?.getTime() ?? FAR) - (b.period?.end?.getTime() ?? FAR);
  if (a.state === "upcoming") return (a.period?.start.getTime() ?? FAR) - (b.period?.start.getTime() ?? FAR);
  const endedAt = (f: FreezeView) => (f.lifted?.at ?? f.endsAt ?? f.createdAt ?? new Date(0)).getTime();
  return endedAt(b) - endedAt(a);
}
