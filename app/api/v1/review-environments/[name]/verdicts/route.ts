import { apiMutation, bodyWith } from "@/lib/api/handler";
import { reviewEnvironmentDto } from "@/lib/api/review-response";
import { giveVerdict } from "@/lib/services/review-environments";
import { envRef } from "@/lib/api/scope";

/** The delivery lead's verdict: `accepted`, or `changes-requested` with a comment. */
export const POST = apiMutation<{ name: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  await giveVerdict(ctx, bodyWith(body, { name: envRef(params) }));
  return { status: 201, body: await reviewEnvironmentDto(ctx, envRef(params)) };
});
