/**
 * The errors a service may raise. Each maps to one HTTP status and one action result, so the REST
 * API and the UI report the same problem the same way. Anything else is an unexpected 500.
 */
export type FieldErrors = Record<string, string>;

export abstract class ServiceError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly fields?: FieldErrors | undefined;
  constructor(message: string, fields?: FieldErrors) {
    super(message);
    this.fields = fields;
  }
}

/** 400: the input is malformed (which field, what was expected). */
export class ValidationError extends ServiceError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, fields?: FieldErrors, code = "invalid_input") {
    super(message, fields);
    this.code = code;
  }
}

/** 401: no identity, or a bad token. */
export class UnauthenticatedError extends ServiceError {
  readonly status = 401;
  readonly code = "unauthenticated";
}

/** 403: the actor may not do this. */
export class ForbiddenError extends ServiceError {
  readonly status = 403;
  readonly code = "forbidden";
  constructor(
    message: string,
    readonly attempt: { action: string; targetType: string; targetId?: string | undefined },
  ) {
    super(message);
  }
}

/** 404: the thing named does not exist (or the actor may not know it does). */
export class NotFoundError extends ServiceError {
  readonly status = 404;
  readonly code = "not_found";
}

/** 409: the request collides with the current state (a duplicate, an active deployment). */
export class ConflictError extends ServiceError {
  readonly status = 409;
  readonly code: string;
  constructor(message: string, code = "conflict", fields?: FieldErrors) {
    super(message, fields);
    this.code = code;
  }
}

/** 422: valid input that the rules refuse (a gate, a quota, an older release over a newer one). */
export class RuleError extends ServiceError {
  readonly status = 422;
  readonly code: string;
  constructor(message: string, code = "rule_violation", fields?: FieldErrors) {
    super(message, fields);
    this.code = code;
  }
}

/**
 * 409 `ambiguous`: a bare name (an environment "dev", an app "portal") exists in several pipelines.
 * `candidates` are the qualified references to choose from ("shop/dev", "tool/dev").
 */
export class AmbiguousError extends ServiceError {
  readonly status = 409;
  readonly code = "ambiguous";
  constructor(
    message: string,
    readonly candidates: string[],
    fields?: FieldErrors,
  ) {
    super(message, fields);
  }
}

/** PostgreSQL's SQLSTATE for unique_violation (Appendix A, "Class 23 — Integrity Constraint Violation"). */
const UNIQUE_VIOLATION = "23505";

/**
 * A unique constraint the database enforced after the service's own check passed — two people
 * creating the same team, role or pipeline at the same moment — as a 409 `conflict` instead of a
 * 500. Looks through drizzle's wrapper (`cause`) at the driver's error (pg and PGlite both carry
 * `code`). Returns null for any other error.
 */
export function conflictFromUniqueViolation(error: unknown): ConflictError | null {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) {
      return new ConflictError("Someone else saved the same thing at the same moment; nothing of yours was changed. Reload and try again.", "conflict");
    }
  }
  return null;
}
