import type { EnvironmentConfig } from "@/lib/config/schema";
import { formatDuration } from "./duration";

/**
 * Short labels for what guards an environment ("tests", "soak 30m", "tech-lead + pm"…), as the
 * board's column headers show them. Pure: reads the environment's slipway.yaml section.
 */
export function ruleLabels(config: Partial<EnvironmentConfig>): string[] {
  const labels: string[] = [];
  const gates = config.gates;
  if (config.autoPromote) labels.push("auto-promote");
  if (gates?.tests) labels.push("tests");
  if (gates?.soak) labels.push(`soak ${formatDuration(gates.soak.duration)}`);
  if (gates?.verified) labels.push(`verified ${gates.verified.names.join(" + ")}`);
  if (gates?.approvals) labels.push(gates.approvals.rules.map((r) => (r.count > 1 ? `${r.count} ${r.role}` : r.role)).join(" + "));
  if (gates?.windows?.length) labels.push("window");
  if (gates?.freezes?.length) labels.push("freezes");
  if (gates?.checklist?.length) labels.push("checklist");
  return labels;
}

export interface CellRelease {
  releaseId: string | null;
  releaseCreatedAt: Date | null;
  releaseCommit?: string | null;
  version: string | null;
}

/**
 * The release an environment runs: the one its apps share. Null when nothing is deployed or the
 * apps disagree (mid-rollout, or drift), since then no single release "is" there.
 */
export function environmentRelease(cells: CellRelease[]): CellRelease | null {
  const deployed = cells.filter((c) => c.releaseId);
  if (!deployed.length) return null;
  const first = deployed[0]!;
  return deployed.every((c) => c.releaseId === first.releaseId) ? first : null;
}

/** Whether `from` runs a newer release than `to`: something is waiting to move along the chain. */
export function isAhead(from: CellRelease | null, to: CellRelease | null): boolean {
  if (!from?.releaseCreatedAt) return false;
  if (!to?.releaseCreatedAt) return true;
  return from.releaseId !== to.releaseId && from.releaseCreatedAt > to.releaseCreatedAt;
}
