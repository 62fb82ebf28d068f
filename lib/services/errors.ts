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
