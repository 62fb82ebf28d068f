import type { TimeWindow } from "@/lib/config/schema";
import { activeFreezes, type FreezePeriod, type FreezeSources } from "./gates/freeze";
import type { OpenIncident } from "./gates/incident";
import { currentOpening, nextOpening } from "./gates/window";

/**
 * What guards an environment right now, for the board's column heads: the freezes in force (what,
 * by whom, until when), whether a deployment window is open (until when) or closed (when it next
 * opens), open incidents, and a hold left by a rollback. Pure: `now` is passed in.
 */
export interface GateStateFacts {
  /** slipway.yaml `gates.windows` of the environment; empty: deployments may start any time. */
  windows: readonly TimeWindow[];
  freezes: FreezeSources;
  incidents: readonly OpenIncident[];
  hold: { at: Date; by: string | null; reason: string | null } | null;
}

export type WindowState =
  /** `until` null: open for longer than the look-ahead (the windows adjoin for days). */
  | { open: true; until: Date | null; timezone: string }
  /** `opensAt` null only for windows that never open. */
  | { open: false; opensAt: Date | null; closesAt: Date | null; timezone: string };

export interface GateState {
  /** Freezes in force, the one ending last first ("until lifted" counts as last). */
  frozen: FreezePeriod[];
  /** null: the environment has no deployment windows. */
  window: WindowState | null;
  incidents: OpenIncident[];
  hold: GateStateFacts["hold"];
  /** Nothing stops a deployment from starting on these grounds now. */
  clear: boolean;
}

const endOf = (f: FreezePeriod) => f.end?.getTime() ?? Number.POSITIVE_INFINITY;

/** The environment's gate state at `now`. */
export function gateStateAt(facts: GateStateFacts, now: Date): GateState {
  const frozen = activeFreezes(facts.freezes, now).sort((a, b) => endOf(b) - endOf(a));
  let window: WindowState | null = null;
  if (facts.windows.length > 0) {
    const current = currentOpening(facts.windows, now);
    if (current) {
      window = { open: true, until: current.openUntil, timezone: current.window.timezone };
    } else {
      const next = nextOpening(facts.windows, now);
      window = { open: false, opensAt: next?.opensAt ?? null, closesAt: next?.closesAt ?? null, timezone: next?.window.timezone ?? facts.windows[0]!.timezone };
    }
  }
  const incidents = [...facts.incidents].sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
  return {
    frozen,
    window,
    incidents,
    hold: facts.hold,
    clear: frozen.length === 0 && (window === null || window.open) && incidents.length === 0 && facts.hold === null,
  };
}
