import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { cancelInput, requestDeploymentInput, rollbackInput } from "@/lib/services/deployments";
import { listDeploymentsInput } from "@/lib/services/deployment-queries";
import { deploymentSchema, pageSchema } from "../schemas";
import { conflict, errors, json, mutation, notFound, refused } from "./common";

/** Deployments: requesting, rolling back, following, cancelling. */
export const deploymentPaths: ZodOpenApiPathsObject = {
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
