/**
 * Length limits of what people type, shared by the services' zod schemas (and so the REST API)
 * and the forms' maxLength, so the UI never accepts what the API refuses. Plain constants: client
 * components import this file too.
 */
export const LIMITS = {
  /** Any "why" recorded in history and audit: override, cancel, rollback, hold lift, config change, freeze, teardown. */
  reason: 1000,
  /** An approver's comment on a deployment. */
  approvalComment: 2000,
  /** A delivery lead's verdict comment on a review environment. */
  verdictComment: 4000,
  /** A note when resolving an incident. */
  incidentNote: 1000,
  incidentTitle: 200,
  freezeName: 80,
  tokenName: 80,
} as const;
