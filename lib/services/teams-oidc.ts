import { and, eq, inArray, isNotNull, isNull } from "drizzle-orm";
import type { Db } from "@/db/client";
import { roleMemberships, teams } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import type { OidcRoleMapping } from "@/lib/auth/oidc-roles";
import { ROLES, type Role } from "@/lib/auth/roles";
import type { Clock } from "@/lib/domain/clock";
import { recordAudit } from "./audit";

/**
 * Team membership from the identity provider (SLIPWAY_OIDC_GROUPS_CLAIM). A team whose
 * `oidc_group` is among the person's groups makes them a member, holding in that team (scope
 * `team`) the roles SLIPWAY_OIDC_ROLE_MAP gives that group — or `viewer` when the map does not
 * name it. Such a group grants its roles in the team only, never globally (see `teamGroupsOf`).
 * Grants the provider gave (granted_by null) are set at every sign-in, so leaving the group
 * removes them; grants an admin gave in Settings → Teams stay. Changes are audited as
 * `team.members.sync`, in the caller's transaction.
 */
export async function syncTeamsFromGroups(tx: Db, actor: Actor, clock: Clock, person: { id: string; email: string }, groups: readonly string[], mapping: OidcRoleMapping | null): Promise<void> {
  const linked = await tx.select().from(teams).where(isNotNull(teams.oidcGroup));
  if (linked.length === 0) return;
  const now = clock.now();
  for (const team of linked) {
    const group = team.oidcGroup!;
    const wanted: Role[] = groups.includes(group) ? ROLES.filter((r) => (mapping?.groups.get(group) ?? ["viewer"]).includes(r)) : [];
    const providerRows = await tx
      .select({ role: roleMemberships.role })
      .from(roleMemberships)
      .where(and(eq(roleMemberships.userId, person.id), eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, team.id), isNull(roleMemberships.grantedBy)));
    const allRows = await tx
      .select({ role: roleMemberships.role })
      .from(roleMemberships)
      .where(and(eq(roleMemberships.userId, person.id), eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, team.id)));
    const before = providerRows.map((r) => r.role);
    const removed = before.filter((r) => !wanted.includes(r));
    // A role an admin already granted in the team stays theirs (and is not duplicated).
    const added = wanted.filter((r) => !allRows.some((row) => row.role === r));
    if (removed.length) {
      await tx.delete(roleMemberships).where(and(eq(roleMemberships.userId, person.id), eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, team.id), isNull(roleMemberships.grantedBy), inArray(roleMemberships.role, removed)));
    }
    if (added.length) await tx.insert(roleMemberships).values(added.map((role) => ({ userId: person.id, role, scope: "team" as const, scopeId: team.id, grantedAt: now })));
    if (added.length || removed.length) {
      await recordAudit(tx, actor, clock, {
        action: "team.members.sync",
        targetType: "team",
        targetId: team.id,
        reason: `Group ${group} in the identity provider's groups claim`,
        data: { team: team.name, email: person.email, group, member: groups.includes(group), added, removed },
      });
    }
  }
}

/** The groups that name a team: they grant roles in that team, so global role sync leaves them out. */
export async function teamGroupsOf(tx: Db): Promise<Set<string>> {
  const rows = await tx.select({ group: teams.oidcGroup }).from(teams).where(isNotNull(teams.oidcGroup));
  return new Set(rows.map((r) => r.group!));
}
