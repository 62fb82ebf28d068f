import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { reportVerificationInput } from "@/lib/services/verifications";
import { verificationSchema } from "../verification-dto";
import { errors, json, listOf, mutation, notFound, conflict, refused } from "./common";

const deploymentPath = z.object({ id: z.string() });

/** Post-deploy verifications (end-to-end tests against an environment), which gate the next environment. */
export const verificationPaths: ZodOpenApiPathsObject = {
  "/deployments/{id}/verifications": {
    post: mutation({
      summary: "Report a post-deploy verification (e.g. end-to-end tests) of a deployment that succeeded",
      description:
        "Idempotent by `name`: the same result again changes nothing (200); a different one replaces it, as a re-run (200); a new name is 201. " +
        "The next environment's `verified: [name]` gate requires it to have passed for this release here; a failure fails that gate at once and notifies " +
        "the channels that subscribe to `verification.failed` (on-call). Names of slipway.yaml verification jobs are Slipway's own (409).",
      path: deploymentPath,
      requestBody: { content: { "application/json": { schema: reportVerificationInput.omit({ deploymentId: true }) } } },
      responses: { "201": json(verificationSchema, "Recorded"), "200": json(verificationSchema, "Already recorded (same result) or replaced"), ...errors, ...notFound, ...conflict, ...refused },
    }),
    get: {
      summary: "The verifications of a deployment, CI-reported and Slipway-run",
      requestParams: { path: deploymentPath },
      responses: { "200": json(listOf(verificationSchema, "VerificationList"), "Every verification by name"), ...errors, ...notFound },
    },
  },
};
