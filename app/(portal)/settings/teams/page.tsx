import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { listPipelineOwners, listTeams } from "@/lib/services/teams";
import { Forbidden } from "@/components/forbidden";
import { Badge } from "@/components/ui/badge";
import { EmptyState, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { CreateTeamForm, DeleteTeamButton, OwnerSelect, SetMemberForm } from "@/components/settings/team-forms";
import { createTeamAction, deleteTeamAction, setPipelineOwnerAction, setTeamMemberAction } from "@/lib/actions/settings";

export const metadata: Metadata = { title: "Teams" };

/** Teams, who holds which role in them, and which pipelines each owns. Everyone sees; admins change. */
export default async function TeamsPage() {
  const actor = await requireActor();
  if (!can(actor, "pipeline.view")) return <Forbidden what="Teams are visible to people with a role: ask an admin for one." />;
  const db = await getDb();
  const [teams, owners] = await Promise.all([listTeams({ db, actor }), listPipelineOwners(db)]);
  const admin = can(actor, "team.manage");
  return (
    <div className="flex flex-col gap-6">
      <Panel title={`Teams (${teams.length})`}>
        {teams.length === 0 ? (
          <EmptyState title="No teams yet">Admins create teams here or with POST /api/v1/teams; a team owns pipelines and its members hold roles in them.</EmptyState>
        ) : (
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={thClass}>Team</th>
                <th className={thClass}>Owns</th>
                <th className={thClass}>Members and their roles in the team</th>
                {admin && <th className={thClass}></th>}
              </tr>
            </thead>
            <tbody>
              {teams.map((team) => (
                <tr key={team.id} data-testid={`team-${team.name}`}>
                  <td className={tdClass}>
                    <div className="font-medium">{team.displayName}</div>
                    <div className="text-xs text-zinc-500">
                      {team.name}
                      {team.oidcGroup && (
                        <>
                          {" "}
                          · OIDC group <code className="font-mono">{team.oidcGroup}</code>
                        </>
                      )}
                    </div>
                  </td>
                  <td className={tdClass}>
                    {team.pipelines.length === 0 ? (
                      <span className="text-xs text-zinc-400">no pipelines</span>
                    ) : (
                      team.pipelines.map((p) => (
                        <Badge key={p} className="mr-1">
                          {p}
                        </Badge>
                      ))
                    )}
                  </td>
                  <td className={tdClass}>
                    {team.members.length === 0 ? (
                      <span className="text-xs text-zinc-400">no members</span>
                    ) : (
                      <ul className="flex flex-col gap-0.5">
                        {team.members.map((m) => (
                          <li key={m.userId} className="flex flex-wrap items-baseline gap-x-2">
                            <span className="break-all">{m.email}</span>
                            <span className="text-xs text-zinc-600">
                              {[...(m.roles.length ? [m.roles.map((r) => ROLE_LABELS[r]).join(", ")] : []), ...m.pipelineRoles.map((p) => `${p.roles.map((r) => ROLE_LABELS[r]).join(", ")} in ${p.pipeline} only`)].join(" · ")}
                            </span>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  {admin && <td className={`${tdClass} text-right`}>{team.pipelines.length === 0 && <DeleteTeamButton team={team.name} action={deleteTeamAction} />}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      <Panel title="Pipelines and their owner teams">
        <table className={tableClass}>
          <thead>
            <tr>
              <th className={thClass}>Pipeline</th>
              <th className={thClass}>Owner team</th>
            </tr>
          </thead>
          <tbody>
            {owners.map((p) => (
              <tr key={p.name}>
                <td className={`${tdClass} font-medium`}>{p.name}</td>
                <td className={tdClass}>{admin ? <OwnerSelect pipeline={p.name} team={p.team} teams={teams.map((t) => t.name)} action={setPipelineOwnerAction} /> : (p.team ?? <span className="text-zinc-400">none</span>)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Panel>
      {admin && (
        <>
          {teams.length > 0 && (
            <Panel title="Set a person's roles in a team" bodyClassName="p-4">
              <p className="mb-3 text-zinc-600">Roles given here apply only to the pipelines the team owns (or to the one pipeline chosen), never elsewhere.</p>
              <SetMemberForm teams={teams.map((t) => ({ name: t.name, pipelines: t.pipelines }))} action={setTeamMemberAction} />
            </Panel>
          )}
          <Panel title="Create a team" bodyClassName="p-4">
            <CreateTeamForm action={createTeamAction} />
          </Panel>
        </>
      )}
    </div>
  );
}
