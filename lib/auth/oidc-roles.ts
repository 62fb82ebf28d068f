import { ROLES, isRole, type Role } from "./roles";

/**
 * Roles from an identity provider's group claim. An organisation keeps who is a tech lead or a PM
 * in its directory; Slipway reads the claim at every sign-in (as Grafana's `role_attribute_path`
 * or Argo CD's `scopes: [groups]` do) instead of asking admins to mirror the directory by hand.
 *
 * The mapping is `group=role` pairs separated by commas, e.g.
 * `slipway-tech-leads=tech-lead,product=pm,platform=admin`. A group may grant several roles and
 * several groups may grant one role. The roles that appear in the mapping are *managed* by the
 * provider: at each sign-in they are set from the claim, so leaving a group removes its role.
 * Roles the mapping never grants stay as admins set them in Settings.
 */
export interface OidcRoleMapping {
  /** The ID-token claim that lists the person's groups, e.g. `groups`. */
  claim: string;
  /** Group name → roles it grants. */
  groups: ReadonlyMap<string, readonly Role[]>;
}

/**
 * Parses `group=role,group=role`. Returns the mapping, or the problems found (each naming the
 * entry and what was expected). Group names are matched exactly (case-sensitive, as directories
 * send them); surrounding spaces are trimmed.
 */
export function parseRoleMap(text: string): { groups: Map<string, Role[]> } | { problems: string[] } {
  const groups = new Map<string, Role[]>();
  const problems: string[] = [];
  const entries = text
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) problems.push("expected at least one group=role pair");
  for (const entry of entries) {
    const eq = entry.lastIndexOf("=");
    const group = eq > 0 ? entry.slice(0, eq).trim() : "";
    const role = eq > 0 ? entry.slice(eq + 1).trim() : "";
    if (!group || !role) {
      problems.push(`"${entry}": expected group=role`);
    } else if (!isRole(role)) {
      problems.push(`"${entry}": "${role}" is not a role (expected one of ${ROLES.join(", ")})`);
    } else {
      const roles = groups.get(group) ?? [];
      if (!roles.includes(role)) roles.push(role);
      groups.set(group, roles);
    }
  }
  return problems.length ? { problems } : { groups };
}

/**
 * The group names a claim carries. Providers send an array of strings (Keycloak, Okta, Dex,
 * oidc-provider) or, less often, one space- or comma-separated string. Anything else — a missing
 * claim, numbers, objects — yields no groups, so a malformed claim can only take roles away.
 */
export function groupsFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string" && v.length > 0);
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** Every role the mapping can grant: the ones the identity provider manages. */
export function managedRoles(mapping: OidcRoleMapping): Role[] {
  const roles = new Set<Role>();
  for (const granted of mapping.groups.values()) for (const role of granted) roles.add(role);
  return ROLES.filter((r) => roles.has(r));
}

/**
 * The roles a person should hold after signing in with `groups`: their current roles that the
 * provider does not manage, plus every managed role one of their groups grants, plus `viewer`
 * (everyone who can sign in can look). Returned in ROLES order.
 */
export function syncRoles(current: readonly Role[], groups: readonly string[], mapping: OidcRoleMapping): Role[] {
  const managed = new Set(managedRoles(mapping));
  const next = new Set<Role>(current.filter((r) => !managed.has(r)));
  next.add("viewer");
  for (const group of groups) for (const role of mapping.groups.get(group) ?? []) next.add(role);
  return ROLES.filter((r) => next.has(r));
}
