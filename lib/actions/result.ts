import type { ErrorCode, FieldErrors } from "@/lib/services/errors";

/** What every server action returns: the client reads this one shape (useAction). */
export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string; fields?: FieldErrors } };
