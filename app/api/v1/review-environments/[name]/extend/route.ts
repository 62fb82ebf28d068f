import { apiMutation, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { extendReviewEnvironment } from "@/lib/services/review-environments";

/** Push the expiry out by `hours`, up to the longest lifetime slipway.yaml allows. */
export const POST = apiMutation<{ name: string }>(async ({ ctx, body, params }) => {
  await extendReviewEnvironment(ctx, bodyWith(body, { name: params.name }));
  return { status: 200, body: await reviewEnvironmentDto(ctx, params.name) };
});
