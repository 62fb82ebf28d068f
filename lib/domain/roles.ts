/**
 * The roles a person can hold. Roles are stored in the database (role_memberships) and managed
 * by admins; this list is the vocabulary shared by the policy, slipway.yaml and the API.
 */
export const ROLES = ["viewer", "developer", "delivery-lead", "tech-lead", "pm", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Roles that may be named in approval rules: every role except the read-only viewer. */
export const APPROVER_ROLES = ["developer", "delivery-lead", "tech-lead", "pm", "admin"] as const satisfies readonly Role[];
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer",
  developer: "Developer",
  "delivery-lead": "Delivery lead",
  "tech-lead": "Tech lead",
  pm: "Product manager",
  admin: "Admin",
};

/**
 * A role as it reads in a sentence: "tech lead", "product manager" (never "pm", which reads as a
 * time beside a window's 09:00); a string that is not a role comes back as it is.
 */
export function roleName(role: string): string {
  return isRole(role) ? ROLE_LABELS[role].toLowerCase() : role;
}

/** How many people of a role, in a sentence: (1, "pm") → "1 product manager", (2, "tech-lead") → "2 tech leads". */
export function roleCount(count: number, role: string): string {
  return `${count} ${roleName(role)}${count === 1 ? "" : "s"}`;
}

/** A phrase with its indefinite article: "a tech lead", "an admin", "an admin or tech lead". */
export function withArticle(phrase: string): string {
  return `${/^[aeiou]/i.test(phrase) ? "an" : "a"} ${phrase}`;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Where a role applies: everywhere, in the pipelines a team owns, or in one pipeline. */
export const GRANT_SCOPES = ["global", "team", "pipeline"] as const;
export type GrantScope = (typeof GRANT_SCOPES)[number];

/** One role held in one scope (`scopeId` is the team's or pipeline's id, '' for global). */
export interface Grant {
  role: Role;
  scope: GrantScope;
  scopeId: string;
  /** The team's or pipeline's name, for display only (read with the portal's header); never used to authorize. */
  scopeName?: string;
}

/** Roles held everywhere, as grants. */
export function globalGrants(roles: readonly Role[]): Grant[] {
  return roles.map((role) => ({ role, scope: "global", scopeId: "" }));
}
