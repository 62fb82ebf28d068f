import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import { listBuildsInput, registerBuildInput } from "@/lib/services/builds";
import { createReleaseInput, listReleasesInput } from "@/lib/services/releases";
import { cancelInput, requestDeploymentInput, rollbackInput } from "@/lib/services/deployments";
import { listDeploymentsInput } from "@/lib/services/deployment-queries";
import { deleteConfigInput, setConfigInput } from "@/lib/services/config-vars";
import { runJobInput } from "@/lib/services/jobs";
import { liftHoldInput } from "@/lib/services/holds";
import { buildSchema, deploymentSchema, environmentSchema, errorSchema, healthSchema, pageSchema, pipelineSchema, releaseSchema } from "./schemas";

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas that validate requests
 * and shape responses. Add an endpoint here when you add a route.
 */
const json = (schema: z.ZodType, description: string) => ({ description, content: { "application/json": { schema } } });

const configVariableSchema = z
  .object({ id: z.string(), key: z.string(), app: z.string().nullable(), secret: z.boolean(), value: z.string().nullable().meta({ description: "Always null for secrets" }), inheritedFrom: z.string().nullable(), version: z.number(), updatedAt: z.string(), updatedBy: z.string().nullable() })
  .meta({ id: "ConfigVariable" });

const errors = {
  "400": json(errorSchema, "Invalid input: `fields` names each bad field and what was expected"),
  "401": json(errorSchema, "Missing or bad token"),
  "403": json(errorSchema, "Not allowed for this token's user"),
};
const notFound = { "404": json(errorSchema, "Not found") };
const conflict = { "409": json(errorSchema, "Conflicts with the current state (e.g. a duplicate)") };
const refused = { "422": json(errorSchema, "Valid, but refused by the rules") };

const idempotencyHeader = z.object({
  "Idempotency-Key": z
    .string()
    .optional()
    .meta({ description: "Same key and body within 24 h return the first result and do nothing again" }),
});

function mutation(op: Omit<ZodOpenApiOperationObject, "requestParams"> & { path?: z.ZodObject }): ZodOpenApiOperationObject {
  const { path, ...rest } = op;
  return { ...rest, requestParams: { header: idempotencyHeader, ...(path ? { path } : {}) } };
}

const paths: ZodOpenApiPathsObject = {
  "/health": {
    get: {
      summary: "Liveness of Slipway itself",
      description: "Database reachable and a controller leader seen recently. No token needed.",
      security: [],
      responses: { "200": json(healthSchema, "Slipway answers"), "503": json(healthSchema, "The database does not answer") },
    },
  },
  "/pipeline": {
    get: { summary: "The pipeline as loaded from slipway.yaml", responses: { "200": json(pipelineSchema, "The pipeline"), ...errors } },
  },
  "/builds": {
    get: {
      summary: "Builds, newest first",
      requestParams: { query: listBuildsInput },
      responses: { "200": json(pageSchema(buildSchema, "BuildPage"), "A page of builds"), ...errors },
    },
    post: mutation({
      summary: "Register one build (CI)",
      description: "Versions are immutable: the same version with the same digest and commit returns the existing build (200).",
      requestBody: { content: { "application/json": { schema: registerBuildInput } } },
      responses: { "201": json(buildSchema, "Registered"), "200": json(buildSchema, "Already registered"), ...errors, ...conflict },
    }),
  },
  "/releases": {
    get: {
      summary: "Releases, newest first",
      requestParams: { query: listReleasesInput },
      responses: { "200": json(pageSchema(releaseSchema, "ReleasePage"), "A page of releases"), ...errors },
    },
    post: mutation({
      summary: "Cut a release",
      description: "One build per app; apps not named carry the build running in the source environment.",
      requestBody: { content: { "application/json": { schema: createReleaseInput } } },
      responses: { "201": json(releaseSchema, "Created"), "200": json(releaseSchema, "Already cut with the same builds"), ...errors, ...conflict, ...refused },
    }),
  },
  "/releases/{id}": {
    get: {
      summary: "A release, its builds and digests, and where it has run",
      requestParams: { path: z.object({ id: z.string() }) },
      responses: { "200": json(releaseSchema, "The release"), ...errors, ...notFound },
    },
  },
  "/environments": {
    get: {
      summary: "Every environment, fixed and review",
      responses: { "200": json(pageSchema(environmentSchema, "EnvironmentPage"), "All environments"), ...errors },
    },
  },
  "/environments/{name}": {
    get: {
      summary: "One environment",
      requestParams: { path: z.object({ name: z.string() }) },
      responses: { "200": json(environmentSchema, "The environment"), ...errors, ...notFound },
    },
  },
  "/environments/{name}/deployments": {
    post: mutation({
      summary: "Request a deployment into the environment",
      description:
        "Promote a release that succeeded in the previous environment (the first environment takes releases of its branch), or redeploy what runs. " +
        "Returns as soon as the deployment exists (202); a second request queues behind a rollout, an exact duplicate is 409, a newer queued promotion supersedes an older one.",
      path: z.object({ name: z.string() }),
      requestBody: { content: { "application/json": { schema: requestDeploymentInput.omit({ environment: true }) } } },
      responses: { "202": json(deploymentSchema, "Queued"), ...errors, ...notFound, ...conflict, ...refused },
    }),
  },
  "/environments/{name}/rollback": {
    post: mutation({
      summary: "Roll the environment back, on its own",
      description: "To its previous good release, or to `releaseId` if it succeeded there before. A deployment of kind rollback (202).",
      path: z.object({ name: z.string() }),
      requestBody: { content: { "application/json": { schema: rollbackInput.omit({ environment: true }) } } },
      responses: { "202": json(deploymentSchema, "Queued"), ...errors, ...notFound, ...conflict, ...refused },
    }),
  },
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
    get: { summary: "Recent one-off jobs (migrations, hooks, seeds) with output and exit status", requestParams: { path: z.object({ name: z.string() }) }, responses: { "200": json(z.object({ items: z.array(z.record(z.string(), z.unknown())) }), "Jobs"), ...errors, ...notFound } },
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
  "/deployments": {
    get: {
      summary: "Rollout history, newest first",
      requestParams: { query: listDeploymentsInput },
      responses: { "200": json(pageSchema(deploymentSchema, "DeploymentPage"), "A page of deployments"), ...errors },
    },
  },
  "/deployments/{id}": {
    get: {
      summary: "A deployment: state, steps, gate results, approvals",
      requestParams: { path: z.object({ id: z.string() }) },
      responses: { "200": json(deploymentSchema, "The deployment"), ...errors, ...notFound },
    },
  },
  "/deployments/{id}/cancel": {
    post: mutation({
      summary: "Cancel a deployment that has not started rolling out",
      path: z.object({ id: z.string() }),
      requestBody: { content: { "application/json": { schema: cancelInput.omit({ deploymentId: true }) } } },
      responses: { "200": json(deploymentSchema, "Cancelled"), ...errors, ...notFound, ...conflict },
    }),
  },
};

export function buildOpenApiDocument(serverUrl = "/api/v1") {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Slipway API",
      version: "1.0.0",
      description:
        "CI systems, scripts and the command line use this API. Authenticate with `Authorization: Bearer <token>`. " +
        "Errors: `{ error: { code, message, fields } }`. Lists: `items` and `nextCursor`, with `cursor` and `limit` (default 50, max 200).",
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (slw_…)" } } },
    security: [{ bearer: [] }],
    paths,
  });
}
