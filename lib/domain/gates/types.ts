import type { GateKind, GateStatus } from "@/db/schema/enums";

/**
 * What one gate says about one deployment at one instant. Evaluators are pure: they take facts
 * (plain data the services load) and `now`, and never read the clock or the database themselves.
 */
export interface GateOutcome {
  gate: GateKind;
  /**
   * pass: met. waived: not needed (overridden). pending: not met yet, but waiting or someone acting
   * can meet it. fail: refused (a rejection, failing tests, an open incident, an evaluation error).
   */
  status: GateStatus;
  /** One plain sentence for people: what is unmet and what would satisfy it. */
  reason: string;
  /** Structured facts for the UI and the API (remaining time, who can approve, …). */
  detail?: Record<string, unknown>;
  /** When the outcome may change by time alone: the controller re-evaluates then. */
  recheckAt?: Date;
}

/** A person's decision to let a deployment through a closed window or an active freeze. */
export interface GateOverride {
  by: string;
  reason: string;
}

export function outcome(gate: GateKind, status: GateStatus, reason: string, extra: Pick<GateOutcome, "detail" | "recheckAt"> = {}): GateOutcome {
  return {
    gate,
    status,
    reason,
    ...(extra.detail ? { detail: extra.detail } : {}),
    ...(extra.recheckAt ? { recheckAt: extra.recheckAt } : {}),
  };
}
