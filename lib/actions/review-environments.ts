"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { getSpinUpCandidates, spinUpCandidatesInput } from "@/lib/services/review-candidates";
import { createReviewEnvironment, createReviewInput, extendInput, extendReviewEnvironment, giveVerdict, teardownInput, teardownReviewEnvironment, verdictInput } from "@/lib/services/review-environments";

// Review environments show on the board and on their own page: refresh both.
const revalidate = ["/", "/pipelines"];

export const createReviewAction = defineAction(
  createReviewInput,
  async (ctx, input) => {
    const { environment, deploymentId } = await createReviewEnvironment(ctx, input);
    return { name: environment.name, deploymentId };
  },
  { revalidate },
);

export const teardownReviewAction = defineAction(teardownInput, async (ctx, input) => ({ name: (await teardownReviewEnvironment(ctx, input)).name }), { revalidate });

export const extendReviewAction = defineAction(
  extendInput,
  async (ctx, input) => {
    const environment = await extendReviewEnvironment(ctx, input);
    return { name: environment.name, expiresAt: environment.expiresAt?.toISOString() ?? null };
  },
  { revalidate },
);

export const giveVerdictAction = defineAction(verdictInput, (ctx, input) => giveVerdict(ctx, input), { revalidate });

/** The spin-up form's branches and releases, read when it opens (a read: no page to refresh). */
export const spinUpCandidatesAction = defineAction(spinUpCandidatesInput, (ctx, input) => getSpinUpCandidates(ctx, input));
