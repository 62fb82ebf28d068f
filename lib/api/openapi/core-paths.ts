import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { listBuildsInput, registerBuildInput } from "@/lib/services/builds";
import { environmentAppsInput } from "@/lib/services/environment-apps";
import { listEnvironmentsInput } from "@/lib/services/environment-list";
import { createReleaseInput, listReleasesInput } from "@/lib/services/releases";
import { buildSchema, environmentAppSchema, environmentSchema, errorSchema, healthSchema, pageSchema, pipelineSchema, releaseSchema } from "../schemas";
import { conflict, errors, json, mutation, notFound, refused } from "./common";

/** Health, the pipeline, builds, releases and environments: what CI uses. */
export const corePaths: ZodOpenApiPathsObject = {
  "/health": {
    get: {
      summary: "Liveness of Slipway itself",
      description: "Database reachable and a controller leader seen recently. No token needed.",
      security: [],
      responses: { "200": json(healthSchema, "Slipway answers"), "503": json(healthSchema, "The database does not answer") },
    },
  },
  "/pipeline": {
    get: {
      summary: "The only pipeline (deprecated: use /pipelines/{pipeline})",
      deprecated: true,
      description: "Answers while one pipeline is loaded; with several, 409 `ambiguous` listing them in `error.candidates`.",
      responses: { "200": json(pipelineSchema, "The pipeline"), ...errors, "409": json(errorSchema, "Several pipelines: `ambiguous`") },
    },
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
      summary: "Live environments, fixed and review, paginated",
      description: "Each with every app's cell. A page holds at most `limit` environments and ends early once it holds about 2,000 app cells: follow `nextCursor`. The apps of one environment page on their own at /environments/{name}/apps.",
      requestParams: { query: listEnvironmentsInput },
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
  "/environments/{name}/apps": {
    get: {
      summary: "The apps of one environment, paginated",
      description: "Each app of the pipeline in slipway.yaml order with what it runs in the environment (nulls when nothing is deployed). Filter by `q` (name contains) and `status` (a health status or `not-deployed`); follow `nextCursor`.",
      requestParams: { path: z.object({ name: z.string() }), query: environmentAppsInput },
      responses: { "200": json(pageSchema(environmentAppSchema, "EnvironmentAppPage"), "A page of apps"), ...errors, ...notFound },
    },
  },
};
