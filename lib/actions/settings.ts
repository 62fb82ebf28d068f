"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { z } from "zod";
import { createToken, createTokenInput, revokeToken, revokeTokenInput } from "@/lib/services/tokens";
import { createUser, createUserInput, setDisabledInput, setRolesInput, setUserDisabled, setUserRoles } from "@/lib/services/users";
import { createTeam, createTeamInput, deleteTeam, setMemberInput, setOwnerInput, setPipelineOwner, setTeamMember } from "@/lib/services/teams";
import { ValidationError } from "@/lib/services/errors";

export const createTokenAction = defineAction(
  createTokenInput,
  async (ctx, input) => {
    const { token, summary } = await createToken(ctx, input);
    return { token, name: summary.name, userEmail: summary.userEmail };
  },
  { revalidate: ["/settings/tokens"] },
);

export const revokeTokenAction = defineAction(revokeTokenInput, (ctx, input) => revokeToken(ctx, input), { revalidate: ["/settings/tokens"] });

export const setUserRolesAction = defineAction(setRolesInput, async (ctx, input) => (await setUserRoles(ctx, input)).roles, { revalidate: ["/settings/users"] });

export const setUserDisabledAction = defineAction(setDisabledInput, (ctx, input) => setUserDisabled(ctx, input), { revalidate: ["/settings/users"] });

export const createUserAction = defineAction(createUserInput, async (ctx, input) => (await createUser(ctx, input)).email, { revalidate: ["/settings/users"] });

// The team forms send the team (or pipeline) named in the REST API's path inside the input: these
// schemas give the forms their input types; split() takes the name out and the service parses the rest.
const teamInput = z.strictObject({ team: z.string() });
const teamMemberInput = setMemberInput.extend({ team: z.string() });
// A select's "no owner team" option sends "", which stands for setOwnerInput's null.
const pipelineOwnerInput = setOwnerInput.extend({ pipeline: z.string(), team: z.union([setOwnerInput.shape.team, z.literal("")]) });

/** `{ [key]: name, ...rest }` → [name, rest]; the services parse the rest. */
function split(input: unknown, key: string): [string, Record<string, unknown>] {
  const record = typeof input === "object" && input !== null && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const { [key]: name, ...rest } = record;
  if (typeof name !== "string" || !name) throw new ValidationError(`Which ${key}?`, { [key]: `expected a ${key} name` });
  return [name, rest];
}

export const createTeamAction = defineAction(createTeamInput, async (ctx, input) => (await createTeam(ctx, input)).name, { revalidate: ["/settings/teams"] });

export const setTeamMemberAction = defineAction(
  teamMemberInput,
  async (ctx, input) => {
    const [team, rest] = split(input, "team");
    await setTeamMember(ctx, team, rest);
    return team;
  },
  { revalidate: ["/settings/teams", "/settings/users"] },
);

export const setPipelineOwnerAction = defineAction(
  pipelineOwnerInput,
  async (ctx, input) => {
    const [pipeline, rest] = split(input, "pipeline");
    return setPipelineOwner(ctx, pipeline, { team: rest.team === "" ? null : rest.team });
  },
  { revalidate: ["/settings/teams"] },
);

export const deleteTeamAction = defineAction(
  teamInput,
  async (ctx, input) => {
    const [team] = split(input, "team");
    await deleteTeam(ctx, team);
    return team;
  },
  { revalidate: ["/settings/teams", "/settings/users"] },
);
