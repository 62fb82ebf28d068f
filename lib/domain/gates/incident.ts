import { formatSince, plural } from "./format";
import { outcome, type GateOutcome } from "./types";

/** An open incident on the target environment. */
export interface OpenIncident {
  id: string;
  title: string;
  severity: string;
  openedAt: Date;
  /** Display name of who opened it. */
  openedBy: string;
}

/**
 * No deployment starts while the environment has an open incident. This is a refusal ("fail"),
 * not a wait: someone has to resolve the incident first.
 */
export function evaluateIncident(environment: string, incidents: readonly OpenIncident[], now: Date, displayTimeZone = "UTC"): GateOutcome {
  if (incidents.length === 0) return outcome("incident", "pass", `no open incident on ${environment}`, { detail: { incidents: [] } });
  const ordered = [...incidents].sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
  const describe = (i: OpenIncident) => `'${i.title}' (${i.severity}, since ${formatSince(i.openedAt, displayTimeZone, now)})`;
  const head = ordered.length === 1 ? `open incident on ${environment}: ` : `${plural(ordered.length, "open incident")} on ${environment}: `;
  const fix = ordered.length === 1 ? "resolve it before deploying" : "resolve them before deploying";
  return outcome("incident", "fail", `${head}${ordered.map(describe).join("; ")} — ${fix}`, {
    detail: { incidents: ordered.map((i) => ({ id: i.id, title: i.title, severity: i.severity, openedAt: i.openedAt, openedBy: i.openedBy })) },
  });
}
