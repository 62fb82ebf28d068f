import { apiMutation } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { createReviewEnvironment } from "@/lib/services/review-environments";

/** Spin up a review environment: `202` while it provisions; its `deploymentId` shows the progress. */
export const POST = apiMutation(async ({ ctx, body }) => {
  const { environment, deploymentId } = await createReviewEnvironment(ctx, body);
  return { status: 202, body: await reviewEnvironmentDto(ctx, environment.name, deploymentId) };
});
