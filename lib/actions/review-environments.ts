"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { createReviewEnvironment, extendReviewEnvironment, giveVerdict, teardownReviewEnvironment } from "@/lib/services/review-environments";

// Review environments show on the board and on their own page: refresh both.
const revalidate = ["/", "/pipelines"];

export const createReviewAction = defineAction(
  async (ctx, input: unknown) => {
    const { environment, deploymentId } = await createReviewEnvironment(ctx, input);
    return { name: environment.name, deploymentId };
  },
  { revalidate },
);

export const teardownReviewAction = defineAction(async (ctx, input: unknown) => ({ name: (await teardownReviewEnvironment(ctx, input)).name }), { revalidate });

export const extendReviewAction = defineAction(
  async (ctx, input: unknown) => {
    const environment = await extendReviewEnvironment(ctx, input);
    return { name: environment.name, expiresAt: environment.expiresAt?.toISOString() ?? null };
  },
  { revalidate },
);

export const giveVerdictAction = defineAction((ctx, input: unknown) => giveVerdict(ctx, input), { revalidate });
