import { z } from "zod";
import type { VerificationView } from "@/lib/services/verifications";

export const verificationSchema = z
  .object({
    id: z.string(),
    deploymentId: z.string(),
    environment: z.string(),
    releaseId: z.string(),
    name: z.string(),
    status: z.enum(["pending", "running", "passed", "failed"]).meta({ description: "pending/running: a job Slipway runs itself has not finished" }),
    source: z.enum(["ci", "job"]).meta({ description: "ci: reported through this API; job: a slipway.yaml verification job" }),
    url: z.string().nullable().meta({ description: "The run: the CI job, or Slipway's job run" }),
    summary: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: "Verification" });

export function verificationDto(v: VerificationView): z.input<typeof verificationSchema> {
  return { ...v, createdAt: v.createdAt.toISOString(), updatedAt: v.updatedAt.toISOString(), finishedAt: v.finishedAt?.toISOString() ?? null };
}
