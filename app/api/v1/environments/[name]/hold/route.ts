import { apiMutation, bodyWith } from "@/lib/api/handler";
import { liftHold } from "@/lib/services/holds";
import { envRef } from "@/lib/api/scope";

/** Lifts the hold a rollback put on the environment (with a reason), so automation may deploy there again. */
export const DELETE = apiMutation<{ name: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  await liftHold(ctx, bodyWith(body, { environment: envRef(params) }));
  return { status: 200, body: { held: false } };
});
