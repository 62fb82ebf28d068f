import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { deleteConfigInput, setConfigInput } from "@/lib/services/config-vars";
import { liftHoldInput } from "@/lib/services/holds";
import { runJobInput } from "@/lib/services/jobs";
import { pageSchema } from "../schemas";
import { conflict, errors, json, mutation, notFound, refused } from "./common";

const configVariableSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    app: z.string().nullable(),
    secret: z.boolean(),
    value: z.string().nullable().meta({ description: "Always null for secrets" }),
    inheritedFrom: z.string().nullable(),
    version: z.number(),
    updatedAt: z.string(),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: "ConfigVariable" });

/** Running an environment: config variables, one-off jobs, the hold after a rollback. */
export const environmentOpsPaths: ZodOpenApiPathsObject = {
  "/environments/{name}/config": {
    get: {
      summary: "Config variables of the environment (secrets without their value)",
      requestParams: { path: z.object({ name: z.string() }) },
      responses: { "200": json(pageSchema(configVariableSchema, "ConfigVariablePage"), "The variables"), ...errors, ...notFound },
    },
  },
  "/environments/{name}/config/{key}": {
    put: mutation({
      summary: "Set a config variable (needs a reason; audited — secrets only as changed)",
      description: "Takes effect with the next deployment; request a deployment of kind `config` to apply it without a new release.",
      path: z.object({ name: z.string(), key: z.string() }),
      requestBody: { content: { "application/json": { schema: setConfigInput.omit({ environment: true, key: true }) } } },
      responses: { "200": json(configVariableSchema, "Set"), ...errors, ...notFound },
    }),
    delete: mutation({
      summary: "Remove a config variable",
      path: z.object({ name: z.string(), key: z.string() }),
      requestBody: { content: { "application/json": { schema: deleteConfigInput.omit({ environment: true, key: true }) } } },
      responses: { "200": json(z.object({ deleted: z.boolean() }), "Removed"), ...errors, ...notFound },
    }),
  },
  "/environments/{name}/jobs": {
    get: {
      summary: "Recent one-off jobs (migrations, hooks, seeds) with output and exit status",
      requestParams: { path: z.object({ name: z.string() }) },
      responses: { "200": json(z.object({ items: z.array(z.record(z.string(), z.unknown())) }), "Jobs"), ...errors, ...notFound },
    },
    post: mutation({
      summary: "Run the app's seed job by hand, once",
      description: "For the last environment of the chain, `confirm` must be the environment's name.",
      path: z.object({ name: z.string() }),
      requestBody: { content: { "application/json": { schema: runJobInput.omit({ environment: true }) } } },
      responses: { "202": json(z.object({ id: z.string(), state: z.string(), job: z.string() }), "Queued"), ...errors, ...notFound, ...conflict, ...refused },
    }),
  },
  "/environments/{name}/hold": {
    delete: mutation({
      summary: "Lift the hold a rollback put on the environment",
      path: z.object({ name: z.string() }),
      requestBody: { content: { "application/json": { schema: liftHoldInput.omit({ environment: true }) } } },
      responses: { "200": json(z.object({ held: z.boolean() }), "Lifted"), ...errors, ...notFound, ...refused },
    }),
  },
};
