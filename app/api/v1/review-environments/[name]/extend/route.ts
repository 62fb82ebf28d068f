import { apiMutation, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { extendReviewEnvironment } from "@/lib/services/review-environments";
import { envRef } from "@/lib/api/scope";

/** Push the expiry out by `hours`, up to the longest lifetime slipway.yaml allows. */
export const POST = apiMutation<{ name: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  await extendReviewEnvironment(ctx, bodyWith(body, { name: envRef(params) }));
  return { status: 200, body: await reviewEnvironmentDto(ctx, envRef(params)) };
});
