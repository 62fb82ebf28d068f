import type { AuditRow } from "@/components/audit/audit-rows";
import { DNS_LABEL_PATTERN } from "@/lib/config/primitives";
import { environmentPath, environmentPathByName, pipelinePath } from "@/lib/paths";
import type { AuditEventSummary } from "@/lib/services/audit-queries";
import { parseRef } from "@/lib/services/pipeline-scope";

/** The pipelines the page knows (the header's list, already read): names, and the name of each id. */
export interface KnownPipelines {
  names: ReadonlySet<string>;
  nameById: ReadonlyMap<string, string>;
}

/**
 * An environment target's page: "shop/prod" (how events name environments) → the pipeline's
 * environment page, when `pipelines` has that pipeline (an older event may name a branch with a
 * slash); an older event's bare "prod" → the by-name page, which redirects or lists the candidates.
 */
function environmentTargetHref(targetId: string, pipelines: ReadonlySet<string>): string | null {
  const { pipeline, name } = parseRef(targetId);
  if (!DNS_LABEL_PATTERN.test(name)) return null;
  if (pipeline === null) return environmentPathByName(name);
  return pipelines.has(pipeline) ? environmentPath(pipeline, name) : null;
}

/**
 * The pipeline a pipeline event names: by name (how events name it now), or an older event's id,
 * resolved with the list the page has read anyway (no statement per row, and the recorded event
 * stays as it was hashed). Null for a pipeline the list lacks (removed since).
 */
function pipelineTargetName(targetId: string, pipelines: KnownPipelines): string | null {
  return pipelines.names.has(targetId) ? targetId : (pipelines.nameById.get(targetId) ?? null);
}

/** Where an event's target lives in the UI: targets with a page by id, environments and pipelines by name. */
function targetHref(e: AuditEventSummary, pipelines: KnownPipelines): string | null {
  if (!e.targetId) return null;
  if (e.targetType === "deployment") return `/deployments/${encodeURIComponent(e.targetId)}`;
  if (e.targetType === "release") return `/releases/${encodeURIComponent(e.targetId)}`;
  if (e.targetType === "environment") return environmentTargetHref(e.targetId, pipelines.names);
  if (e.targetType === "pipeline") {
    const name = pipelineTargetName(e.targetId, pipelines);
    return name ? pipelinePath(name) : null;
  }
  return null;
}

/**
 * What an event's row on the audit page shows (components/audit/audit-rows.tsx), and nothing more:
 * its target named and linked where the portal has a page for it.
 */
export function auditRow(e: AuditEventSummary, pipelines: KnownPipelines): AuditRow {
  return {
    seq: e.seq,
    at: e.at,
    hash: e.hash,
    actorLabel: e.actorLabel,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    targetLabel: e.targetType === "pipeline" && e.targetId ? (pipelineTargetName(e.targetId, pipelines) ?? e.targetId) : e.targetId,
    href: targetHref(e, pipelines),
    outcome: e.outcome,
    reason: e.reason,
    source: e.source,
    ip: e.ip,
    dataBytes: e.dataBytes,
  };
}
