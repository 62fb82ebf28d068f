import { apiMutation } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { bodyInPipeline } from "@/lib/api/scope";
import { pipelineById } from "@/lib/services/pipeline-scope";
import { createReviewEnvironment } from "@/lib/services/review-environments";

/** Spin up a review environment: `202` while it provisions; its `deploymentId` shows the progress. */
export const POST = apiMutation<{ pipeline?: string }>(async ({ ctx, body, params }) => {
  const { environment, deploymentId } = await createReviewEnvironment(ctx, bodyInPipeline(body, params));
  const pipeline = await pipelineById(ctx.db, environment.pipelineId);
  return { status: 202, body: await reviewEnvironmentDto(ctx, environment.name, deploymentId, pipeline.name) };
});
