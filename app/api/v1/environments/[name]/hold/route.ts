import { apiMutation, bodyWith } from "@/lib/api/handler";
import { liftHold } from "@/lib/services/holds";

/** Lifts the hold a rollback put on the environment (with a reason), so automation may deploy there again. */
export const DELETE = apiMutation<{ name: string }>(async ({ ctx, body, params }) => {
  await liftHold(ctx, bodyWith(body, { environment: params.name }));
  return { status: 200, body: { held: false } };
});
