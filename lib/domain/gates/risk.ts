import picomatch from "picomatch";
import type { ApprovalsConfig } from "@/lib/config/schema";
import { formatList } from "./format";

/**
 * Risk conditions (`when: { changedPaths, labels }`) on approval rules and checklist items: a rule
 * or item applies only to a release that, compared with what the environment runs now, changes a
 * file matching one of the paths or carries one of the build labels. Fails closed: changes that
 * CI did not report count as risky. Pure.
 */

/** A `when:` condition from slipway.yaml. At least one of the two lists is present. */
export interface RiskCondition {
  /** Glob patterns (picomatch, dot files included), e.g. "**\/migrations/**". */
  changedPaths?: readonly string[] | undefined;
  /** Build labels, e.g. "iam"; matched exactly. */
  labels?: readonly string[] | undefined;
}

/** What one app of the release changes compared with what the environment runs. */
export interface AppChanges {
  app: string;
  /** "1.2.0 → 1.3.0", or "first deployment here". */
  fromVersion: string | null;
  toVersion: string;
  /** Every path changed by the builds in between; null when CI did not report them for some build (or nothing ran here before). */
  changedFiles: readonly string[] | null;
  /** Labels carried by the builds in between; null when some build was registered without labels. */
  labels: readonly string[] | null;
  /** Why changes are unknown, when they are: "changed files not reported for 1.3.0". */
  unknownWhy?: string | undefined;
}

/** The release compared with what the environment runs now, app by app (apps that do not change are left out). */
export interface ReleaseChanges {
  apps: readonly AppChanges[];
}

export interface RiskMatch {
  risky: boolean;
  /** "app:path" of changed files that matched, sorted. */
  files: string[];
  labels: string[];
  /** Apps whose changes are unknown and so count as risky: "portal (changed files not reported for 1.3.0)". */
  unknown: string[];
  /** One sentence: why this is risky, or why it is not. */
  reason: string;
}

const MAX_LISTED = 5;

function listed(items: readonly string[]): string {
  return items.length > MAX_LISTED ? `${items.slice(0, MAX_LISTED).join(", ")} and ${items.length - MAX_LISTED} more` : items.join(", ");
}

/** Whether `changes` meet `condition`, with the files, labels or unknowns that made it so. */
export function matchRisk(condition: RiskCondition, changes: ReleaseChanges): RiskMatch {
  const paths = condition.changedPaths ?? [];
  const wanted = condition.labels ?? [];
  const isRisky = paths.length > 0 ? picomatch(paths as string[], { dot: true }) : () => false;
  const files = new Set<string>();
  const labels = new Set<string>();
  const unknown: string[] = [];
  for (const app of changes.apps) {
    const unknownFiles = paths.length > 0 && app.changedFiles === null;
    const unknownLabels = wanted.length > 0 && app.labels === null;
    if (unknownFiles || unknownLabels) {
      const what = [unknownFiles ? "changed files" : null, unknownLabels ? "labels" : null].filter(Boolean).join(" and ");
      unknown.push(`${app.app} (${app.unknownWhy ?? `${what} not reported`})`);
    }
    for (const file of app.changedFiles ?? []) if (isRisky(file)) files.add(`${app.app}:${file}`);
    for (const label of app.labels ?? []) if (wanted.includes(label)) labels.add(label);
  }
  const sortedFiles = [...files].sort();
  const sortedLabels = [...labels].sort();
  const risky = sortedFiles.length > 0 || sortedLabels.length > 0 || unknown.length > 0;
  const parts = [
    sortedFiles.length ? `changes ${listed(sortedFiles)}` : null,
    sortedLabels.length ? `carries label${sortedLabels.length > 1 ? "s" : ""} ${formatList(sortedLabels)}` : null,
    unknown.length ? `changes unknown for ${formatList(unknown)}, counted as risky` : null,
  ].filter((p): p is string => p !== null);
  const watched = [paths.length ? `no file matching ${paths.join(", ")}` : null, wanted.length ? `no label ${wanted.join(", ")}` : null].filter(Boolean).join(" and ");
  const reason = risky ? parts.join("; ") : changes.apps.length === 0 ? "the release changes nothing here" : `the release changes ${watched}`;
  return { risky, files: sortedFiles, labels: sortedLabels, unknown, reason };
}

/** What the approvals gate applies after the `when` conditions: the rules that apply, and why each conditional one does or does not. */
export interface ApplicableApprovals {
  /** null when no rule applies: the release needs no approval here. */
  config: ApprovalsConfig | null;
  /** One entry per conditional rule. */
  conditions: { role: string; applies: boolean; match: RiskMatch }[];
}

/**
 * Keeps the approval rules whose `when` the release meets (rules without `when` always apply).
 * Throws when a rule has a condition but `changes` were not loaded, so the gate fails closed.
 */
export function applicableApprovals(config: ApprovalsConfig, changes: ReleaseChanges | undefined): ApplicableApprovals {
  const conditions: ApplicableApprovals["conditions"] = [];
  const rules = config.rules.filter((rule) => {
    if (!rule.when) return true;
    if (!changes) throw new Error("the release's changes were not loaded");
    const match = matchRisk(rule.when, changes);
    conditions.push({ role: rule.role, applies: match.risky, match });
    return match.risky;
  });
  return { config: rules.length ? { ...config, rules } : null, conditions };
}

/** One checklist item from slipway.yaml: a plain item, or one with a `when`. */
export type ChecklistEntry = string | { item: string; when: RiskCondition };

export function checklistItemName(entry: ChecklistEntry): string {
  return typeof entry === "string" ? entry : entry.item;
}

/**
 * The checklist items that apply to the release, and for each conditional item whether (and why)
 * it applies. Throws when an item has a condition but `changes` were not loaded.
 */
export function applicableChecklist(entries: readonly ChecklistEntry[], changes: ReleaseChanges | undefined): { items: string[]; conditions: { item: string; applies: boolean; match: RiskMatch }[] } {
  const conditions: { item: string; applies: boolean; match: RiskMatch }[] = [];
  const items = entries.flatMap((entry) => {
    if (typeof entry === "string") return [entry];
    if (!changes) throw new Error("the release's changes were not loaded");
    const match = matchRisk(entry.when, changes);
    conditions.push({ item: entry.item, applies: match.risky, match });
    return match.risky ? [entry.item] : [];
  });
  return { items, conditions };
}

/** Whether any approval rule or checklist item of these gates has a `when` (then the changes must be loaded). */
export function needsChanges(gates: { approvals?: ApprovalsConfig | undefined; checklist?: readonly ChecklistEntry[] | undefined }, fastTrack?: ApprovalsConfig): boolean {
  return [gates.approvals, fastTrack].some((a) => a?.rules.some((r) => r.when)) || (gates.checklist ?? []).some((c) => typeof c !== "string");
}
