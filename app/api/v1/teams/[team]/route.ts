import { apiMutation, apiRead } from "@/lib/api/handler";
import { teamDto } from "@/lib/api/team-dto";
import { deleteTeam, getTeam, updateTeam } from "@/lib/services/teams";

export const GET = apiRead<{ team: string }>(async ({ ctx, params }) => teamDto(await getTeam(ctx, params.team)));

/** Renames the team or changes its display name or OIDC group (null unlinks). */
export const PATCH = apiMutation<{ team: string }>(async ({ ctx, params, body }) => ({ status: 200, body: teamDto(await updateTeam(ctx, params.team, body)) }));

/** Deletes a team that owns no pipeline (422 `team_owns_pipelines` otherwise); its team grants go with it. */
export const DELETE = apiMutation<{ team: string }>(
  async ({ ctx, params }) => {
    await deleteTeam(ctx, params.team);
    return { status: 200, body: { deleted: params.team } };
  },
  { body: "optional" },
);
