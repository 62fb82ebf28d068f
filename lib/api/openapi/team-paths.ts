import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { ROLES } from "@/lib/auth/roles";
import { createTeamInput, setMemberInput, setOwnerInput, updateTeamInput } from "@/lib/services/teams";
import { conflict, errors, json, listOf, mutation, notFound, refused } from "./common";

const role = z.enum(ROLES);
const teamSchema = z
  .object({
    id: z.string(),
    name: z.string().meta({ description: "A DNS label, unique" }),
    displayName: z.string(),
    oidcGroup: z.string().nullable().meta({ description: "The identity provider's group whose members join the team at sign-in (SLIPWAY_OIDC_GROUPS_CLAIM)" }),
    createdAt: z.string().meta({ description: "ISO 8601 UTC" }),
    pipelines: z.array(z.string()).meta({ description: "Names of the pipelines the team owns" }),
    members: z.array(
      z.object({
        email: z.string(),
        name: z.string(),
        roles: z.array(role).meta({ description: "Roles held in every pipeline the team owns" }),
        pipelineRoles: z.array(z.object({ pipeline: z.string(), roles: z.array(role) })).meta({ description: "Roles held in one pipeline of the team" }),
      }),
    ),
  })
  .meta({ id: "Team" });
const teamPath = z.object({ team: z.string().meta({ description: "The team's name" }) });
const pipelinePath = z.object({ pipeline: z.string().meta({ description: "The pipeline's name" }) });

/** Teams (who owns which pipeline, who holds which role in it) and pipeline ownership. */
export const teamPaths: ZodOpenApiPathsObject = {
  "/teams": {
    get: { summary: "Every team, with members, their roles and owned pipelines", responses: { "200": json(listOf(teamSchema, "TeamList"), "The teams"), ...errors } },
    post: mutation({
      summary: "Create a team (admins)",
      requestBody: { content: { "application/json": { schema: createTeamInput } } },
      responses: { "201": json(teamSchema, "The team"), ...errors, ...conflict },
    }),
  },
  "/teams/{team}": {
    get: { summary: "One team", requestParams: { path: teamPath }, responses: { "200": json(teamSchema, "The team"), ...errors, ...notFound } },
    patch: mutation({
      summary: "Rename a team or change its display name or OIDC group (admins)",
      path: teamPath,
      requestBody: { content: { "application/json": { schema: updateTeamInput } } },
      responses: { "200": json(teamSchema, "The team"), ...errors, ...notFound, ...conflict },
    }),
    delete: mutation({
      summary: "Delete a team that owns no pipeline (admins); its team grants go with it",
      path: teamPath,
      responses: { "200": json(z.object({ deleted: z.string() }), "Deleted"), ...errors, ...notFound, ...refused },
    }),
  },
  "/teams/{team}/members": {
    put: mutation({
      summary: "Set one person's roles in the team, or in one pipeline it owns (admins); `roles: []` removes them",
      path: teamPath,
      requestBody: { content: { "application/json": { schema: setMemberInput } } },
      responses: { "200": json(teamSchema, "The team"), ...errors, ...notFound },
    }),
  },
  "/pipelines/{pipeline}/owner": {
    put: mutation({
      summary: "Set the team that owns a pipeline (admins); `team: null` for none",
      path: pipelinePath,
      requestBody: { content: { "application/json": { schema: setOwnerInput } } },
      responses: { "200": json(z.object({ pipeline: z.string(), team: z.string().nullable() }), "The pipeline's owner"), ...errors, ...notFound },
    }),
  },
};
