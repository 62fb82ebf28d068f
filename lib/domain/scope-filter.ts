/**
 * Resolves the `pipeline` and `team` URL parameters (names) to the ids services filter by. A name
 * that matches nothing gives `unknown` (the page says so and shows nothing rather than everything).
 */
export function resolveScope(
  pipelines: readonly { id: string; name: string }[],
  teams: readonly { id: string; name: string }[],
  params: { pipeline?: string | undefined; team?: string | undefined },
): { pipelineId?: string; teamId?: string; unknown: string[] } {
  const unknown: string[] = [];
  const pipelineId = params.pipeline ? pipelines.find((p) => p.name === params.pipeline)?.id : undefined;
  if (params.pipeline && !pipelineId) unknown.push(`no pipeline named "${params.pipeline}"`);
  const teamId = params.team ? teams.find((t) => t.name === params.team)?.id : undefined;
  if (params.team && !teamId) unknown.push(`no team named "${params.team}"`);
  return { ...(pipelineId ? { pipelineId } : {}), ...(teamId ? { teamId } : {}), unknown };
}
