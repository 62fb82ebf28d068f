import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { decideApprovalInput } from "@/lib/services/approvals";
import { overrideInput, tickInput } from "@/lib/services/preflight";
import { deploymentSchema } from "../schemas";
import { conflict, errors, json, listOf, mutation, notFound, refused } from "./common";

const deploymentPath = z.object({ id: z.string() });

const inboxItemSchema = z
  .object({
    deploymentId: z.string(),
    environment: z.string(),
    releaseId: z.string(),
    kind: z.string(),
    state: z.string(),
    roles: z.array(z.string()).meta({ description: "Roles the caller can decide in here" }),
    decided: z.object({ decision: z.string(), role: z.string(), at: z.string() }).nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "ApprovalInboxItem" });

/** Decisions on waiting deployments: approvals by role, the pre-flight checklist, overrides. */
export const decisionPaths: ZodOpenApiPathsObject = {
  "/deployments/{id}/approvals": {
    post: mutation({
      summary: "Approve or reject a waiting deployment, in a role you hold",
      description:
        "Nobody decides on their own request; one person has one live decision (approving twice is 409; switching to a rejection replaces the approval). " +
        "An approval binds to this deployment's release and environment and expires per slipway.yaml; a rejection stops the deployment.",
      path: deploymentPath,
      requestBody: { content: { "application/json": { schema: decideApprovalInput.omit({ deploymentId: true }) } } },
      responses: { "201": json(deploymentSchema, "Recorded; the deployment with its gates"), ...errors, ...notFound, ...conflict, ...refused },
    }),
  },
  "/deployments/{id}/checklist": {
    post: mutation({
      summary: "Tick or untick a pre-flight checklist item (the requester only)",
      path: deploymentPath,
      requestBody: { content: { "application/json": { schema: tickInput.omit({ deploymentId: true }) } } },
      responses: { "200": json(deploymentSchema, "The deployment with its gates"), ...errors, ...notFound, ...conflict },
    }),
  },
  "/deployments/{id}/overrides": {
    post: mutation({
      summary: "Override a closed window or an active freeze for this deployment",
      description: "Only roles slipway.yaml lists under `overrides.roles`, always with a reason; audited and shown in the deployment's history.",
      path: deploymentPath,
      requestBody: { content: { "application/json": { schema: overrideInput.omit({ deploymentId: true }) } } },
      responses: { "200": json(deploymentSchema, "The deployment with its gates"), ...errors, ...notFound, ...conflict, ...refused },
    }),
  },
  "/approvals": {
    get: { summary: "Your approvals inbox: waiting deployments you may decide on", responses: { "200": json(listOf(inboxItemSchema, "ApprovalInbox"), "The inbox"), ...errors } },
  },
};
