import { cache } from "react";
import { getDb } from "@/db/client";
import { requireActor, getPortalSession } from "@/lib/auth/session";
import { pendingDecisionsAmong } from "@/lib/services/approvals";

/**
 * The header's data, once per request and from the statement that also read the signed-in person
 * (getPortalSession): every pipeline's name (the switcher) and this person's pending decisions.
 * The portfolio's "needs my decision" reads the same answer.
 */
const headerData = cache(async () => {
  const actor = await requireActor();
  const session = (await getPortalSession())!;
  return { pending: await pendingDecisionsAmong(await getDb(), actor, session.waiting), pipelines: session.pipelines, teams: session.teams };
});

/** This person's undecided waiting deployments, once per request: the header's count and the portfolio's "needs my decision". */
export const myPendingDecisions = cache(async () => (await headerData()).pending.filter((p) => !p.decided));

/** Every pipeline's name in name order, for the header's switcher. */
export const headerPipelineNames = cache(async () => (await headerData()).pipelines.map((p) => p.name));

/**
 * Every pipeline and every team, in name order, for a page's scope filters: read with the signed-in
 * person (getPortalSession's statement), not in two more statements per page.
 */
export const organisationLists = cache(async () => {
  const { pipelines, teams } = await headerData();
  return { pipelines, teams };
});
