import { requestContext } from "@/lib/server/request-context";
import "server-only";
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { getCurrentActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { withDeniedAudit } from "@/lib/services/authorize";
import type { ServiceContext } from "@/lib/services/context";
import { ServiceError, conflictFromUniqueViolation } from "@/lib/services/errors";
import { assertStorableText } from "@/lib/services/validation";
import type { ActionResult } from "./result";

/**
 * The one way server actions are written: load the signed-in person, call a use case, turn errors
 * into an ActionResult, refresh the pages named. Actions hold no rules of their own.
 *
 * `schema` is the use case's own exported input schema: the action's input type (what a client
 * component must pass) is `z.input<typeof schema>`, so the UI and the service cannot disagree on a
 * field. The service parses the input itself, after its first authorization check (so a person who
 * may not act gets "forbidden", not a list of field errors), which keeps parsing to once per call;
 * the REST API calls the same service with the same schema.
 *
 * @returns an action `(input) => Promise<ActionResult<T>>`; errors are `ServiceError` codes
 *   (`ErrorCode`), `unauthenticated` when no one is signed in, or `internal` for anything unexpected
 *   (logged, never shown).
 */
export function defineAction<S extends z.ZodType, T>(schema: S, run: (ctx: ServiceContext, input: z.input<S>) => Promise<T>, options: { revalidate?: string[] } = {}): (input: z.input<S>) => Promise<ActionResult<T>> {
  void schema; // carried for its type: the service that `run` calls parses with this very schema
  return async (input) => {
    try {
      const actor = await getCurrentActor();
      if (!actor) return { ok: false, error: { code: "unauthenticated", message: "Your session has ended: sign in again." } };
      // Text PostgreSQL cannot store is refused here as a field error, never a 500 from the driver.
      // The types say an object, but an action is a public endpoint: a forged post may send FormData.
      const sent: unknown = input;
      assertStorableText(sent instanceof FormData ? Object.fromEntries([...sent.entries()].filter(([, v]) => typeof v === "string")) : sent, "The form");
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
