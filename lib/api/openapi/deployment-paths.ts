import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { cancelInput, requestDeploymentInput, rollbackInput } from "@/lib/services/deployments";
import { listDeploymentsInput } from "@/lib/services/deployment-queries";
import { deploymentSchema, pageSchema } from "../schemas";
import { conflict, errors, json, mutation, notFound, refused } from "./common";
import { confirmRollbackInput, undoRollbackInput } from "@/lib/services/auto-rollback";
import { abortInput } from "@/lib/services/abort";

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
      description:
        "To its previous good release — what served before the last release that actually became current — or to `releaseId` if it succeeded there before. A deployment of kind rollback (202). " +
        "It restores the release together with the config version it last ran with there (`config: restore`, the default), or keeps the version running now (`config: keep-current`); " +
        "config edits not yet applied are applied in neither case. " +
        "During a forward rollout in progress, the rollout is aborted at once and what served before it is kept: without `releaseId` (or with the release that serves now) that is the whole rollback, and the aborted deployment is returned; with another `releaseId` the rollback queues behind the abort.",
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
  "/deployments/{id}/abort": {
    post: mutation({
      summary: "Abort a deployment: stop a rollout in progress at once, keeping what served before it",
      description:
        "Allowed to whoever may roll the environment back. A running or verifying rollout stops at its next step or wait, what served before it is restored and kept, " +
        "the deployment fails with `Aborted by …` and the environment is put on hold; `detail.abort` says who asked and why. A waiting or queued deployment is cancelled. " +
        "409 `not_in_progress` when it already ended, `rollback_in_progress` for a rollback (the restore itself). " +
        "`POST /environments/{name}/rollback` without a `releaseId` during a forward rollout does the same (and returns that deployment).",
      path: z.object({ id: z.string() }),
      requestBody: { required: false, content: { "application/json": { schema: abortInput.omit({ deploymentId: true }) } } },
      responses: { "202": json(deploymentSchema, "Stopping (or cancelled)"), ...errors, ...notFound, ...conflict },
    }),
  },
  "/deployments/{id}/confirm-rollback": {
    post: mutation({
      summary: "Confirm an automatic rollback (on-call agrees; the environment stays held)",
      description: "Only for a rollback Slipway made by itself when the error budget burned too fast (its `detail.automatic` holds the figures). Once per rollback.",
      path: z.object({ id: z.string() }),
      requestBody: { required: false, content: { "application/json": { schema: confirmRollbackInput.omit({ deploymentId: true }) } } },
      responses: { "200": json(deploymentSchema, "Confirmed"), ...errors, ...notFound, ...refused },
    }),
  },
  "/deployments/{id}/undo-rollback": {
    post: mutation({
      summary: "Undo an automatic rollback: the release it replaced comes back and the hold goes",
      description: "A rollback to the release that was rolled back (instant when it is still warm), without the gates it already passed; needs a reason. Once per rollback.",
      path: z.object({ id: z.string() }),
      requestBody: { content: { "application/json": { schema: undoRollbackInput.omit({ deploymentId: true }) } } },
      responses: { "202": json(deploymentSchema, "The deployment that brings the release back"), ...errors, ...notFound, ...refused },
    }),
  },
};
