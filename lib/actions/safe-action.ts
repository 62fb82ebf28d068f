import { requestContext } from "@/lib/server/request-context";
import "server-only";
import { revalidatePath } from "next/cache";
import { getDb } from "@/db/client";
import { getCurrentActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { withDeniedAudit } from "@/lib/services/authorize";
import type { ServiceContext } from "@/lib/services/context";
import { ServiceError, conflictFromUniqueViolation } from "@/lib/services/errors";
import { assertStorableText } from "@/lib/services/validation";
import type { ActionResult } from "./result";

/**
 * The one way server actions are written: load the signed-in person, call a service (which
 * parses the input and authorizes), turn errors into an ActionResult, refresh the pages named.
 * Actions hold no rules of their own.
 */
export function defineAction<I, T>(run: (ctx: ServiceContext, input: I) => Promise<T>, options: { revalidate?: string[] } = {}) {
  return async (input: I): Promise<ActionResult<T>> => {
    try {
      const actor = await getCurrentActor();
      if (!actor) return { ok: false, error: { code: "unauthenticated", message: "Your session has ended: sign in again." } };
      // Text PostgreSQL cannot store is refused here as a field error, never a 500 from the driver.
      assertStorableText(input instanceof FormData ? Object.fromEntries([...input.entries()].filter(([, v]) => typeof v === "string")) : input, "The form");
      const db = await getDb();
      const data = await withDeniedAudit(db, actor, systemClock, () => run(requestContext(db, actor), input));
      for (const path of options.revalidate ?? []) revalidatePath(path, "layout");
      return { ok: true, data };
    } catch (caught) {
      const error = conflictFromUniqueViolation(caught) ?? caught;
      if (error instanceof ServiceError) return { ok: false, error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) } };
      console.error("[action] unexpected error:", error);
      return { ok: false, error: { code: "internal", message: "Something went wrong on our side; nothing was changed. Try again." } };
    }
  };
}
