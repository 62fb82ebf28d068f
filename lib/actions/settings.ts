"use server";

import { defineAction } from "@/lib/actions/safe-action";
import { createToken, revokeToken } from "@/lib/services/tokens";
import { createUser, setUserDisabled, setUserRoles } from "@/lib/services/users";

export const createTokenAction = defineAction(
  async (ctx, input: unknown) => {
    const { token, summary } = await createToken(ctx, input);
    return { token, name: summary.name, userEmail: summary.userEmail };
  },
  { revalidate: ["/settings/tokens"] },
);

export const revokeTokenAction = defineAction((ctx, input: unknown) => revokeToken(ctx, input), { revalidate: ["/settings/tokens"] });

export const setUserRolesAction = defineAction(async (ctx, input: unknown) => (await setUserRoles(ctx, input)).roles, { revalidate: ["/settings/users"] });

export const setUserDisabledAction = defineAction((ctx, input: unknown) => setUserDisabled(ctx, input), { revalidate: ["/settings/users"] });

export const createUserAction = defineAction(async (ctx, input: unknown) => (await createUser(ctx, input)).email, { revalidate: ["/settings/users"] });
