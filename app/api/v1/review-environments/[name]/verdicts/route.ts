import { apiMutation, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { giveVerdict } from "@/lib/services/review-environments";

/** The delivery lead's verdict: `accepted`, or `changes-requested` with a comment. */
export const POST = apiMutation<{ name: string }>(async ({ ctx, body, params }) => {
  await giveVerdict(ctx, bodyWith(body, { name: params.name }));
  return { status: 201, body: await reviewEnvironmentDto(ctx, params.name) };
});
