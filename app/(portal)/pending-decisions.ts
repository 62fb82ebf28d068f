import { cache } from "react";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { pendingDecisionsWithPipelineNames } from "@/lib/services/approvals";

/**
 * The header's read, once per request and in one statement: every pipeline's name (the switcher)
 * and this person's pending decisions. The portfolio's "needs my decision" reads the same answer.
 */
const headerData = cache(async () => {
  const actor = await requireActor();
  return pendingDecisionsWithPipelineNames(await getDb(), actor);
});

/** This person's undecided waiting deployments, once per request: the header's count and the portfolio's "needs my decision". */
export const myPendingDecisions = cache(async () => (await headerData()).pending.filter((p) => !p.decided));

/** Every pipeline's name in name order, for the header's switcher (the same statement as myPendingDecisions). */
export const headerPipelineNames = cache(async () => (await headerData()).pipelineNames);
