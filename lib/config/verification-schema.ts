import { z } from "zod";
import { durationSchema } from "./duration";
import { dnsLabel, nonEmptyString, uniqueBy } from "./primitives";

/** A verification's name: what CI reports and the `verified` gate asks for, e.g. "e2e". */
export const verificationNameSchema = dnsLabel().describe('Verification name, e.g. "e2e" (lowercase letters, digits and "-").');

/**
 * `verified:` in the gates of an environment: the release must have passed these verifications in
 * the previous environment of the chain. Pending until they arrive; failed at once when one fails;
 * failed when none arrived within `timeout` of the release becoming current there.
 */
export const verifiedGateSchema = z
  .union([
    z
      .array(verificationNameSchema)
      .min(1)
      .superRefine(uniqueBy((n) => n, "verification")),
    z.strictObject({
      names: z
        .array(verificationNameSchema)
        .min(1)
        .superRefine(uniqueBy((n) => n, "verification"))
        .describe("Verifications that must have passed."),
      timeout: durationSchema().prefault("1h").describe("How long after the release became current in the previous environment the results may take."),
    }),
  ])
  .transform((value) => (Array.isArray(value) ? { names: value, timeout: 3_600_000 } : value))
  .describe("Post-deploy verifications the release must have passed in the previous environment: [e2e] or { names: [e2e], timeout: 2h } (default timeout 1h).");

/** `verifications:` of an environment: jobs Slipway itself runs after each deployment there succeeds. */
export const verificationJobSchema = z
  .strictObject({
    name: verificationNameSchema,
    app: z.string().describe("App whose job runs (a declared app)."),
    job: nonEmptyString().describe("Job to run: a Procfile process of the app's artifact (local) or a Kubernetes Job."),
  })
  .describe("A verification job Slipway runs after each successful deployment; exit code 0 passes.");

export const verificationJobsSchema = z
  .array(verificationJobSchema)
  .superRefine(uniqueBy((v) => v.name, "verification", "name"))
  .prefault([])
  .describe("Verification jobs Slipway runs after each deployment (their results gate the next environment's `verified`).");

export type VerifiedGate = z.output<typeof verifiedGateSchema>;
export type VerificationJob = z.output<typeof verificationJobSchema>;
