"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { createToken, revokeToken } from "@/lib/services/tokens";
import { createUser, setUserDisabled, setUserRoles } from "@/lib/services/users";
import { createTeam, deleteTeam, setPipelineOwner, setTeamMember } from "@/lib/services/teams";
import { ValidationError } from "@/lib/services/errors";

export const createTokenAction = defineAction(
  async (ctx, input: unknown) => {
    const { token, summary } = await createToken(ctx, input);
    return { token, name: summary.name, userEmail: summary.userEmail };
  },
  { revalidate: ["/settings/tokens"] },
);

export const revokeTokenAction = defineAction((ctx, input: unknown) => revokeToken(ctx, input), { revalidate: ["/settings/tokens"] });

export const setUserRolesAction = defineAction(async (ctx, input: unknown) => (await setUserRoles(ctx, input)).roles, { revalidate: ["/settings/users"] });

export const setUserDisabledAction = defineAction((ctx, input: unknown) => setUserDisabled(ctx, input), { revalidate: ["/settings/users"] });

export const createUserAction = defineAction(async (ctx, input: unknown) => (await createUser(ctx, input)).email, { revalidate: ["/settings/users"] });

/** `{ [key]: name, ...rest }` → [name, rest]; the services parse the rest. */
function split(input: unknown, key: string): [string, Record<string, unknown>] {
  const record = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const { [key]: name, ...rest } = record;
  if (typeof name !== "string" || !name) throw new ValidationError(`Which ${key}?`, { [key]: `expected a ${key} name` });
  return [name, rest];
}

export const createTeamAction = defineAction(async (ctx, input: unknown) => (await createTeam(ctx, input)).name, { revalidate: ["/settings/teams"] });

export const setTeamMemberAction = defineAction(
  async (ctx, input: unknown) => {
    const [team, rest] = split(input, "team");
    await setTeamMember(ctx, team, rest);
    return team;
  },
  { revalidate: ["/settings/teams", "/settings/users"] },
);

export const setPipelineOwnerAction = defineAction(
  async (ctx, input: unknown) => {
    const [pipeline, rest] = split(input, "pipeline");
    return setPipelineOwner(ctx, pipeline, { team: rest.team === "" ? null : rest.team });
  },
  { revalidate: ["/settings/teams"] },
);

export const deleteTeamAction = defineAction(
  async (ctx, input: unknown) => {
    const [team] = split(input, "team");
    await deleteTeam(ctx, team);
    return team;
  },
  { revalidate: ["/settings/teams", "/settings/users"] },
);
