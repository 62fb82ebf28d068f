import { apiMutation, apiRead } from "@/lib/api/handler";
import { teamDto } from "@/lib/api/team-dto";
import { createTeam, listTeams } from "@/lib/services/teams";

/** Every team, with its members (and their roles) and the pipelines it owns. */
export const GET = apiRead(async ({ ctx }) => ({ items: (await listTeams(ctx)).map(teamDto), nextCursor: null }));

/** Creates a team (admins): `name`, optional `displayName`, `oidcGroup`. */
export const POST = apiMutation(async ({ ctx, body }) => ({ status: 201, body: teamDto(await createTeam(ctx, body)) }));
