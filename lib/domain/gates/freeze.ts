import type { Freeze } from "@/lib/config/schema";
import { formatDate, formatList, formatRelative, midSentence } from "./format";
import { roleName, withArticle } from "../roles";
import { coveringPeriod, nextPeriod, type FreezeSchedule } from "./freeze-schedule";
import { assertZone } from "./time";
import { outcome, type GateOutcome, type GateOverride } from "./types";

/** A freeze stored in the database (declared from the UI, or "stop the line"). */
export interface StoredFreeze {
  id: string;
  name: string;
  reason: string;
  startsAt: Date;
  /** null: until lifted. For a recurring freeze: no occurrence reaches past it. */
  endsAt: Date | null;
  /** RFC 5545 RRULE; when set, `startsAt` is the first occurrence and `durationMs` each one's length. */
  rrule?: string | null;
  durationMs?: number | null;
  timezone?: string | null;
  /** null: every environment of `pipeline`, or of every pipeline when that is null too ("stop the line"). */
  environment: string | null;
  /** Ids of the environment or pipeline it is declared on (a name is unique only within a pipeline); absent on older callers. */
  environmentId?: string | null;
  pipelineId?: string | null;
  /** The pipeline's name when it freezes one whole pipeline; null or absent otherwise. */
  pipeline?: string | null;
  /** Display name of who declared it. */
  createdBy: string;
  liftedAt: Date | null;
}

export interface FreezeSources {
  /** The environment's freezes from slipway.yaml. */
  configured: readonly Freeze[];
  /** Freezes from the database, for any environment: the ones that apply are picked here. */
  stored: readonly StoredFreeze[];
  environment: string;
  /** The environment's id and its pipeline's: when given, stored freezes are matched by id (names repeat across pipelines). */
  environmentId?: string;
  pipelineId?: string;
  /** Zone to show instants in when a freeze has none of its own (default UTC). */
  displayTimeZone?: string;
}

/** One freeze as the UI shows it, with the period that matters now. */
export interface FreezePeriod {
  source: "slipway.yaml" | "database";
  id: string | null;
  name: string;
  reason: string;
  /** Who declared it: a person, or "slipway.yaml". */
  by: string;
  start: Date;
  /** null: until lifted. */
  end: Date | null;
  timezone: string;
  allEnvironments: boolean;
  /** Set when it freezes one whole pipeline: its name. */
  pipeline?: string | null;
}

interface FreezeDefinition extends Omit<FreezePeriod, "start" | "end"> {
  schedule: FreezeSchedule;
}

/**
 * Whether a stored freeze covers the environment: declared on it, on its whole pipeline, or on every
 * pipeline. Matched by id when both sides carry ids, else by name (callers that know no ids).
 */
function appliesTo(f: StoredFreeze, sources: FreezeSources): boolean {
  const byId = f.environmentId !== undefined && sources.environmentId !== undefined;
  if (f.environment !== null) return byId ? f.environmentId === sources.environmentId : f.environment === sources.environment;
  if (f.pipelineId) return sources.pipelineId === undefined || f.pipelineId === sources.pipelineId;
  return true;
}

const earlier = (a: Date | null, b: Date | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/** The freezes that apply to the environment at `now`: its own from slipway.yaml and unlifted stored ones for it or for all. */
export function applicableFreezes(sources: FreezeSources, now: Date): FreezeDefinition[] {
  const display = assertZone(sources.displayTimeZone ?? "UTC");
  const configured = sources.configured.map((f): FreezeDefinition => {
    const common = { source: "slipway.yaml" as const, id: null, name: f.name, reason: f.reason, by: "slipway.yaml", allEnvironments: false };
    return f.kind === "one-off"
      ? { ...common, timezone: display, schedule: { kind: "once", start: new Date(f.start), end: new Date(f.end) } }
      : { ...common, timezone: f.timezone, schedule: { kind: "recurring", rrule: f.rrule, durationMs: f.duration, timezone: f.timezone, dtstart: null, until: null } };
  });
  const stored = sources.stored
    .filter((f) => appliesTo(f, sources))
    .filter((f) => f.liftedAt === null || f.liftedAt > now)
    .map((f): FreezeDefinition => {
      const end = earlier(f.endsAt, f.liftedAt);
      const timezone = f.timezone ?? display;
      const common = { source: "database" as const, id: f.id, name: f.name, reason: f.reason, by: f.createdBy, allEnvironments: f.environment === null && !f.pipeline, pipeline: f.pipeline ?? null, timezone };
      if (!f.rrule) return { ...common, schedule: { kind: "once", start: f.startsAt, end } };
      if (!f.durationMs || f.durationMs <= 0) throw new Error(`recurring freeze "${f.name}" has no duration`);
      return { ...common, schedule: { kind: "recurring", rrule: f.rrule, durationMs: f.durationMs, timezone, dtstart: f.startsAt, until: end } };
    });
  return [...configured, ...stored];
}

const strip = ({ schedule: _schedule, ...rest }: FreezeDefinition) => rest;

/** The freezes active at `now`, each with when it ends (its overlapping occurrences merged). */
export function activeFreezes(sources: FreezeSources, now: Date): FreezePeriod[] {
  return applicableFreezes(sources, now).flatMap((f) => {
    const period = coveringPeriod(f.schedule, now);
    return period ? [{ ...strip(f), start: period.start, end: period.end }] : [];
  });
}

/** The next freeze to start after `now` within `horizonMs` (default a year and a day), for "next freeze" on the board. */
export function nextFreezeStart(sources: FreezeSources, now: Date, horizonMs = 366 * 86_400_000): FreezePeriod | null {
  let next: FreezePeriod | null = null;
  for (const f of applicableFreezes(sources, now)) {
    const period = nextPeriod(f.schedule, now, horizonMs);
    if (period && (!next || period.start < next.start)) next = { ...strip(f), start: period.start, end: period.end };
  }
  return next;
}

function describe(freeze: FreezePeriod, now: Date): string {
  const until = freeze.end ? `until ${formatDate(freeze.end, freeze.timezone, now)} ${freeze.timezone} (${formatRelative(freeze.end, now)})` : "until lifted";
  // "by" right after "frozen": "frozen until lifted by Lee" read as if Lee had lifted it.
  const scope = freeze.allEnvironments ? "stop the line: every environment is frozen" : freeze.pipeline ? `every environment of ${freeze.pipeline} is frozen` : "frozen";
  return `${scope} by ${freeze.by} ${until} because ${midSentence(freeze.reason)}`;
}

export interface FreezeFacts extends FreezeSources {
  override?: GateOverride | null;
  /** Roles that may override an active freeze (slipway.yaml `overrides.roles`), for the message. */
  overridableBy?: readonly string[];
}

/** Deployments wait while any freeze is active; a freeze that ends by itself is pending, not refused. */
export function evaluateFreeze(facts: FreezeFacts, now: Date): GateOutcome {
  const active = activeFreezes(facts, now);
  if (active.length === 0) {
    const next = nextFreezeStart(facts, now);
    const upcoming = next ? `; next: '${next.name}' from ${formatDate(next.start, next.timezone, now)} ${next.timezone} (${formatRelative(next.start, now)})` : "";
    return outcome("freeze", "pass", `no freeze active${upcoming}`, { detail: { active: [], next }, recheckAt: next?.start });
  }
  // Open-ended freezes first (they decide the most), then the one that lasts longest.
  const endKey = (f: FreezePeriod) => f.end?.getTime() ?? Number.MAX_SAFE_INTEGER;
  const ordered = [...active].sort((a, b) => endKey(b) - endKey(a));
  const endings = ordered.flatMap((f) => (f.end ? [f.end] : []));
  const recheckAt = endings.length > 0 ? new Date(Math.min(...endings.map((d) => d.getTime()))) : undefined;
  const detail = { active: ordered, overridableBy: facts.overridableBy ?? [] };
  if (facts.override) {
    const names = formatList(ordered.map((f) => `'${f.name}'`));
    return outcome("freeze", "waived", `freeze overridden by ${facts.override.by} because ${facts.override.reason} (${names})`, {
      detail: { ...detail, override: facts.override },
      recheckAt,
    });
  }
  const hint = facts.overridableBy && facts.overridableBy.length > 0 ? `; ${withArticle(formatList(facts.overridableBy.map(roleName), "or"))} can override it with a reason` : "";
  return outcome("freeze", "pending", `${ordered.map((f) => describe(f, now)).join("; also ")}${hint}`, { detail, recheckAt });
}
