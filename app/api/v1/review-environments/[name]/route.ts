import { apiMutation, apiRead, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { authorize } from "@/lib/services/authorize";
import { teardownReviewEnvironment } from "@/lib/services/review-environments";
import { pipelineById } from "@/lib/services/pipeline-scope";
import { envRef } from "@/lib/api/scope";

export const GET = apiRead<{ name: string; pipeline?: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  return reviewEnvironmentDto(ctx, envRef(params));
});

/** Tear down: `202` while its processes stop and its data goes; the record stays in history. */
export const DELETE = apiMutation<{ name: string; pipeline?: string }>(
  async ({ ctx, body, params }) => {
    const environment = await teardownReviewEnvironment(ctx, bodyWith(body, { name: envRef(params) }));
    return { status: 202, body: await reviewEnvironmentDto(ctx, environment.name, undefined, params.pipeline ?? (await pipelineById(ctx.db, environment.pipelineId)).name) };
  },
  { body: "optional" },
);
