import { apiMutation } from "@/lib/api/handler";
import { teamDto } from "@/lib/api/team-dto";
import { setTeamMember } from "@/lib/services/teams";

/** Sets one person's roles in the team (or, with `pipeline`, in one pipeline it owns): `{ user, roles, pipeline? }`. */
export const PUT = apiMutation<{ team: string }>(async ({ ctx, params, body }) => ({ status: 200, body: teamDto(await setTeamMember(ctx, params.team, body)) }));
