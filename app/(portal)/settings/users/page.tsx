import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";
import { Forbidden } from "@/components/forbidden";
import { systemClock } from "@/lib/domain/clock";
import { scopeNames } from "@/lib/services/teams";
import { listUsers } from "@/lib/services/users";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { createUserAction, setUserDisabledAction, setUserRolesAction } from "@/lib/actions/settings";
import { RoleEditor } from "@/components/settings/role-editor";
import { AddUserForm, DisableUserButton } from "@/components/settings/user-forms";
import { Badge } from "@/components/ui/badge";
import { Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

export const metadata: Metadata = { title: "Users & roles" };

export default async function UsersPage() {
  const actor = await requireActor();
  if (!can(actor, "user.manage")) return <Forbidden what="Users and roles are managed by admins." />;
  const db = await getDb();
  const [users, names] = await Promise.all([listUsers(db), scopeNames(db)]);
  const now = systemClock.now();
  return (
    <div className="flex flex-col gap-6">
      <Panel title={`People (${users.length})`}>
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>Person</th>
              <th className={thClass}>Roles</th>
              <th className={thClass}>In teams and pipelines</th>
              <th className={thClass}>Last seen</th>
              <th className={thClass}></th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} className={user.disabled ? "opacity-60" : undefined}>
                <td className={tdClass}>
                  <div className="font-medium">
                    {user.name} {user.id === actor.id && <Badge>you</Badge>} {user.disabled && <Badge tone="red">disabled</Badge>}
                  </div>
                  <div className="text-xs text-zinc-500">{user.email}</div>
                </td>
                <td className={tdClass}>
                  <RoleEditor userId={user.id} email={user.email} roles={user.roles} action={setUserRolesAction} />
                </td>
                <td className={tdClass}>
                  {user.grants.length === 0 ? (
                    <span className="text-xs text-zinc-400">—</span>
                  ) : (
                    <ul className="flex flex-wrap gap-1" aria-label={`${user.email}'s team and pipeline roles`}>
                      {user.grants.map((g) => (
                        <li key={`${g.role}:${g.scope}:${g.scopeId}`}>
                          <Badge tone="blue">
                            {ROLE_LABELS[g.role]} · {g.scope === "team" ? `team ${names.teams.get(g.scopeId) ?? g.scopeId}` : `pipeline ${names.pipelines.get(g.scopeId) ?? g.scopeId}`}
                          </Badge>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className={`${tdClass} text-xs text-zinc-600`}>{user.lastSeenAt ? <RelativeTime at={user.lastSeenAt} now={now} /> : "—"}</td>
                <td className={`${tdClass} text-right`}>{user.id !== actor.id && <DisableUserButton userId={user.id} email={user.email} disabled={user.disabled} action={setUserDisabledAction} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      <Panel title="Add a person" bodyClassName="p-4">
        <p className="mb-3 text-zinc-600">People who sign in through single sign-on are added automatically as viewers. Add them here first to give them roles up front.</p>
        <AddUserForm action={createUserAction} />
      </Panel>
    </div>
  );
}
