"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { createFreeze, createFreezeInput, liftFreeze, liftFreezeInput } from "@/lib/services/freezes";

// Freezes show on the board and every environment page as well: refresh from the root layout.
export const createFreezeAction = defineAction(
  createFreezeInput,
  async (ctx, input) => {
    const freeze = await createFreeze(ctx, input);
    return { id: freeze.id, name: freeze.name, environment: freeze.environment, pipeline: freeze.pipeline, state: freeze.state };
  },
  { revalidate: ["/"] },
);

export const liftFreezeAction = defineAction(
  liftFreezeInput,
  async (ctx, input) => {
    const freeze = await liftFreeze(ctx, input);
    return { id: freeze.id, name: freeze.name };
  },
  { revalidate: ["/"] },
);
