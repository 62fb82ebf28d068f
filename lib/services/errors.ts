import { PROMOTION_REFUSAL_CODES } from "@/lib/domain/promotion";

/**
 * The errors a service may raise. Each maps to one HTTP status and one action result, so the REST
 * API and the UI report the same problem the same way. Anything else is an unexpected 500.
 *
 * Every code a client can receive is listed here, grouped by the error (and so the status) that
 * carries it: a new code is added to its list first, and the typecheck refuses any other.
 */
export type FieldErrors = Record<string, string>;

/** 400 codes: the input is malformed. */
export const VALIDATION_CODES = ["invalid_input", "invalid_text", "invalid_json", "invalid_payload", "body_too_large", "unsupported_media_type"] as const;

/** 409 codes: the request collides with the current state. */
export const CONFLICT_CODES = [
  "conflict",
  "already_decided",
  "branch_has_review",
  "duplicate_deployment",
  "duplicate_incident",
  "duplicate_name",
  "duplicate_oidc_group",
  "duplicate_team",
  "duplicate_user",
  "idempotency_in_progress",
  "idempotency_key_reused",
  "job_in_progress",
  "not_cancellable",
  "not_in_progress",
  "not_waiting",
  "release_exists",
  "replayed_delivery",
  "rollback_in_progress",
  "verification_owned_by_job",
  "version_exists",
] as const;

/** 422 codes: valid input the rules refuse (the promotion rules' refusals among them). */
export const RULE_CODES = [
  "rule_violation",
  "address_collision",
  "already_decided",
  "already_lifted",
  "already_overridden",
  "already_resolved",
  "approval_not_needed",
  "deployment_not_succeeded",
  "environment_name_taken",
  "freeze_ended",
  "gate_failed",
  "invalid_pipeline",
  "last_admin",
  "max_ttl",
  "missing_builds",
  "no_approvals_needed",
  "no_eligible_approvers",
  "no_such_job",
  "not_automatic_rollback",
  "not_finished",
  "not_held",
  "not_ready",
  "not_supported",
  "nothing_deployed",
  "nothing_differs",
  "nothing_to_roll_back_to",
  "nothing_to_undo",
  "other_pipeline",
  "pipeline_name_mismatch",
  "quota_per_person",
  "quota_total",
  "role_not_required",
  "self_disable",
  "source_not_allowed",
  "team_owns_pipelines",
  "user_disabled",
  ...PROMOTION_REFUSAL_CODES,
] as const;

/** Codes the HTTP edge answers with itself, before or around any service (webhooks, a 500). */
export const EDGE_CODES = ["invalid_signature", "webhook_not_configured", "unknown_provider", "internal"] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];
export type ConflictCode = (typeof CONFLICT_CODES)[number];
export type RuleCode = (typeof RULE_CODES)[number];

/** Every error code the API and the server actions can answer with. */
export type ErrorCode = ValidationCode | "unauthenticated" | "forbidden" | "not_found" | ConflictCode | RuleCode | "ambiguous" | (typeof EDGE_CODES)[number];

/** All of them, once each (for the OpenAPI document). */
export const ERROR_CODES: readonly ErrorCode[] = [...new Set<ErrorCode>([...VALIDATION_CODES, "unauthenticated", "forbidden", "not_found", ...CONFLICT_CODES, ...RULE_CODES, "ambiguous", ...EDGE_CODES])];

export abstract class ServiceError extends Error {
  abstract readonly status: number;
  abstract readonly code: ErrorCode;
  readonly fields?: FieldErrors | undefined;
  constructor(message: string, fields?: FieldErrors) {
    super(message);
    this.fields = fields;
  }
}

/** 400: the input is malformed (which field, what was expected). */
export class ValidationError extends ServiceError {
  readonly status = 400;
  readonly code: ValidationCode;
  constructor(message: string, fields?: FieldErrors, code: ValidationCode = "invalid_input") {
    super(message, fields);
    this.code = code;
  }
}

/** 401: no identity, or a bad token. */
export class UnauthenticatedError extends ServiceError {
  readonly status = 401;
  readonly code = "unauthenticated" as const;
}

/** 403: the actor may not do this. */
export class ForbiddenError extends ServiceError {
  readonly status = 403;
  readonly code = "forbidden" as const;
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
  readonly code = "not_found" as const;
}

/** 409: the request collides with the current state (a duplicate, an active deployment). */
export class ConflictError extends ServiceError {
  readonly status = 409;
  readonly code: ConflictCode;
  constructor(message: string, code: ConflictCode = "conflict", fields?: FieldErrors) {
    super(message, fields);
    this.code = code;
  }
}

/** 422: valid input that the rules refuse (a gate, a quota, an older release over a newer one). */
export class RuleError extends ServiceError {
  readonly status = 422;
  readonly code: RuleCode;
  constructor(message: string, code: RuleCode = "rule_violation", fields?: FieldErrors) {
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
  readonly code = "ambiguous" as const;
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
