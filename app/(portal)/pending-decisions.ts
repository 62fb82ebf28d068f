import { cache } from "react";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { pendingDecisions } from "@/lib/services/approvals";

/**
 * This person's undecided waiting deployments, once per request: the header's count and the
 * portfolio's "needs my decision" read the same answer.
 */
export const myPendingDecisions = cache(async () => {
  const actor = await requireActor();
  return (await pendingDecisions(await getDb(), actor)).filter((p) => !p.decided);
});
