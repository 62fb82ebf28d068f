import { GATE_KINDS, GATE_STATUSES, type GateKind } from "../vocabulary";
import type { ApprovalsConfig, GatesConfig, OverridesConfig } from "@/lib/config/schema";
import { evaluateApprovals, type ApprovalsFacts } from "./approvals";
import { evaluateChecklist, type ChecklistTick } from "./checklist";
import { applicableFreezes, evaluateFreeze, type StoredFreeze } from "./freeze";
import { evaluateIncident, type OpenIncident } from "./incident";
import { applicableApprovals, applicableChecklist, type ReleaseChanges } from "./risk";
import { evaluateSoak, type SoakFacts } from "./soak";
import { evaluateTests, type BuildTests } from "./tests";
import { evaluateVerified, type VerifiedFacts } from "./verified";
import { outcome, type GateOutcome, type GateOverride } from "./types";
import { evaluateWindow } from "./window";
import { roleName, withArticle } from "../roles";

export type { GateOutcome, GateOverride } from "./types";
export type { ApprovalFact, ApprovalsFacts } from "./approvals";
export type { ChecklistTick } from "./checklist";
export type { FreezePeriod, FreezeSources, StoredFreeze } from "./freeze";
export type { OpenIncident } from "./incident";
export type { AppChanges, ChecklistEntry, ReleaseChanges, RiskCondition, RiskMatch } from "./risk";
export { checklistItemName, matchRisk, needsChanges } from "./risk";
export type { HealthSample, SoakFacts } from "./soak";
export type { BuildTests, TestResults } from "./tests";
export type { VerificationFact, VerifiedFacts } from "./verified";
export { activeFreezes, nextFreezeStart } from "./freeze";
export { currentOpening, nextOpening } from "./window";

/**
 * What the services load for one deployment. A configured gate whose facts are missing fails
 * (closed), so forgetting to load something can never let a deployment through.
 */
export interface GateFacts {
  /** Every build of the release with its CI test results (gate `tests`). */
  tests?: readonly BuildTests[];
  /** The release's time and health in the source environment (gate `soak`). */
  soak?: SoakFacts;
  /** The release's verifications in the previous environment (gate `verified`). */
  verified?: VerifiedFacts;
  /** An override of a closed window (gate `window`). */
  window?: { override?: GateOverride | null };
  /** Stored freezes (all of them, or those for this environment and for all); required, as one may stop the line. */
  freeze?: { stored: readonly StoredFreeze[]; override?: GateOverride | null };
  /** Decisions on the deployment and who could still decide (gate `approvals`). */
  approvals?: ApprovalsFacts;
  /** Open incidents on the target environment (gate `incident`). */
  incidents?: readonly OpenIncident[];
  /** Ticks on the pre-flight checklist (gate `checklist`). */
  checklist?: { ticks: readonly ChecklistTick[] };
  /** The release compared with what the environment runs now; needed when a rule or item has a `when`. */
  changes?: ReleaseChanges;
}

export interface EvaluateGatesInput {
  environment: { name: string; gates: GatesConfig; overrides?: OverridesConfig };
  /** A fast-track deployment: its approval rule replaces the environment's. */
  fastTrack?: { approvals: ApprovalsConfig };
  facts: GateFacts;
  now: Date;
  /** Zone for instants that have none of their own (incidents, one-off freezes). Default UTC. */
  displayTimeZone?: string;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} were not loaded`);
  return value;
}

/** Runs one evaluator so that it can only ever fail closed: a throw or a malformed outcome is a failure. */
function guarded(gate: GateKind, evaluate: () => GateOutcome | null): GateOutcome | null {
  try {
    const result = evaluate();
    if (result === null) return null;
    if (result.gate !== gate || !(GATE_STATUSES as readonly string[]).includes(result.status)) {
      throw new Error(`the evaluator returned a malformed outcome (${JSON.stringify({ gate: result.gate, status: result.status })})`);
    }
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { gate, status: "fail", reason: `could not evaluate the ${gate} gate: ${message}`, detail: { error: message } };
  }
}

/**
 * Evaluates the gates configured for the environment, in the fixed order of GATE_KINDS. Gates that
 * are not configured do not appear. The freeze gate appears whenever a freeze from slipway.yaml or
 * from the database applies to the environment, active or not.
 */
export function evaluateGates(input: EvaluateGatesInput): GateOutcome[] {
  const { environment, facts, now } = input;
  const gates = environment.gates;
  const overridableBy = environment.overrides?.roles ?? [];
  const zone = input.displayTimeZone ?? "UTC";
  const approvals = input.fastTrack ? input.fastTrack.approvals : gates.approvals;

  const evaluators: Record<GateKind, () => GateOutcome | null> = {
    tests: () => (gates.tests ? evaluateTests(required(facts.tests, "the builds' test results")) : null),
    soak: () => (gates.soak ? evaluateSoak(gates.soak, required(facts.soak, "the soak facts"), now) : null),
    verified: () => (gates.verified ? evaluateVerified(gates.verified, required(facts.verified, "the verifications"), now) : null),
    window: () => (gates.windows.length > 0 ? evaluateWindow(gates.windows, { override: facts.window?.override, overridableBy }, now) : null),
    freeze: () => {
      const stored = required(facts.freeze, "the stored freezes").stored;
      const sources = { configured: gates.freezes, stored, environment: environment.name, displayTimeZone: zone };
      if (applicableFreezes(sources, now).length === 0) return null;
      return evaluateFreeze({ ...sources, override: facts.freeze?.override, overridableBy }, now);
    },
    approvals: () => (approvals ? evaluateRiskyApprovals(approvals, facts, now) : null),
    incident: () => (gates.incident === false ? null : evaluateIncident(environment.name, required(facts.incidents, "the open incidents"), now, zone)),
    checklist: () => (gates.checklist.length > 0 ? evaluateRiskyChecklist(gates.checklist, facts) : null),
  };
  return GATE_KINDS.flatMap((gate) => guarded(gate, evaluators[gate]) ?? []);
}

/** Approvals after the rules' `when` conditions: a release that meets none needs no approval here. */
function evaluateRiskyApprovals(config: ApprovalsConfig, facts: GateFacts, now: Date): GateOutcome {
  const { config: applying, conditions } = applicableApprovals(config, facts.changes);
  const risk = conditions.length ? { risk: conditions.map((c) => ({ role: c.role, applies: c.applies, ...c.match })) } : {};
  if (!applying) {
    const why = conditions.map((c) => `${roleName(c.role)}: ${c.match.reason}`).join("; ");
    return outcome("approvals", "pass", `no approval needed: not a risky change (${why})`, { detail: { rules: [], ...risk } });
  }
  const result = evaluateApprovals(applying, required(facts.approvals, "the approvals"), now);
  const risky = conditions.filter((c) => c.applies).map((c) => `${withArticle(roleName(c.role))} because the release ${c.match.reason}`);
  return {
    ...result,
    reason: risky.length ? `${result.reason} — risky change: ${risky.join("; ")}` : result.reason,
    detail: { ...(result.detail ?? {}), ...risk },
  };
}

function evaluateRiskyChecklist(entries: GatesConfig["checklist"], facts: GateFacts): GateOutcome {
  const { items, conditions } = applicableChecklist(entries, facts.changes);
  const risk = conditions.length ? { risk: conditions.map((c) => ({ item: c.item, applies: c.applies, ...c.match })) } : {};
  if (items.length === 0) {
    return outcome("checklist", "pass", `no checklist item applies: ${conditions.map((c) => `'${c.item}': ${c.match.reason}`).join("; ")}`, { detail: { items: [], ...risk } });
  }
  const result = evaluateChecklist(items, required(facts.checklist, "the checklist ticks").ticks);
  const risky = conditions.filter((c) => c.applies).map((c) => `'${c.item}' because the release ${c.match.reason}`);
  return {
    ...result,
    reason: risky.length && result.status !== "pass" ? `${result.reason} — risky change: ${risky.join("; ")}` : result.reason,
    detail: { ...(result.detail ?? {}), ...risk },
  };
}

/** A deployment may start only when every gate passes or is waived. */
export function canShip(outcomes: readonly GateOutcome[]): boolean {
  return outcomes.every((o) => o.status === "pass" || o.status === "waived");
}

/** The earliest instant at which time alone may change an outcome, or null. */
export function nextRecheck(outcomes: readonly GateOutcome[]): Date | null {
  const times = outcomes.flatMap((o) => (o.recheckAt ? [o.recheckAt.getTime()] : []));
  return times.length > 0 ? new Date(Math.min(...times)) : null;
}

/** "Why can't this ship?": the reasons of the gates that are not met, in gate order. */
export function explain(outcomes: readonly GateOutcome[]): string[] {
  return outcomes.filter((o) => o.status !== "pass" && o.status !== "waived").map((o) => o.reason);
}
