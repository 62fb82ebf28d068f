import type { TeamSummary } from "@/lib/services/teams";

/** A team as the API returns it (times as ISO 8601 strings). */
export function teamDto(team: TeamSummary) {
  return {
    id: team.id,
    name: team.name,
    displayName: team.displayName,
    oidcGroup: team.oidcGroup,
    createdAt: team.createdAt.toISOString(),
    pipelines: team.pipelines,
    members: team.members.map((m) => ({ email: m.email, name: m.name, roles: m.roles, pipelineRoles: m.pipelineRoles })),
  };
}
