import { apiMutation, apiRead, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { authorize } from "@/lib/services/authorize";
import { teardownReviewEnvironment } from "@/lib/services/review-environments";

export const GET = apiRead<{ name: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  return reviewEnvironmentDto(ctx, params.name);
});

/** Tear down: `202` while its processes stop and its data goes; the record stays in history. */
export const DELETE = apiMutation<{ name: string }>(
  async ({ ctx, body, params }) => {
    const environment = await teardownReviewEnvironment(ctx, bodyWith(body, { name: params.name }));
    return { status: 202, body: await reviewEnvironmentDto(ctx, environment.name) };
  },
  { body: "optional" },
);
