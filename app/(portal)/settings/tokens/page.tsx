import type { Metadata } from "next";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { can, rolesAnywhere } from "@/lib/auth/policy";
import { listPipelineNames } from "@/lib/services/teams";
import { systemClock } from "@/lib/domain/clock";
import { listVisibleTokens } from "@/lib/services/tokens";
import { listUsers } from "@/lib/services/users";
import { createTokenAction, revokeTokenAction } from "@/lib/actions/settings";
import { CreateTokenForm } from "@/components/settings/create-token-form";
import { RevokeTokenButton } from "@/components/settings/revoke-token-button";
import { Forbidden } from "@/components/forbidden";
import { Badge } from "@/components/ui/badge";
import { EmptyState, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

export const metadata: Metadata = { title: "API tokens" };

/** `?pipeline=shop` (from a board's first-release hint) preselects the restriction to that pipeline. */
export default async function TokensPage({ searchParams }: { searchParams: Promise<{ pipeline?: string }> }) {
  const actor = await requireActor();
  const { pipeline: suggested } = await searchParams;
  if (!can(actor, "token.own")) return <Forbidden what="API tokens need a role: ask an admin for one." />;
  const db = await getDb();
  const [{ tokens, everyone }, users, pipelines] = await Promise.all([listVisibleTokens({ db, actor }), can(actor, "token.manage") ? listUsers(db) : null, listPipelineNames(db)]);
  const now = systemClock.now();
  return (
    <div className="flex flex-col gap-6">
      <Panel title="Create a token" bodyClassName="p-4">
        <p className="mb-3 text-zinc-600">
          A token acts as {users ? "the person it belongs to" : "you"}, with {users ? "their" : "your"} roles or the fewer you tick, until it expires or is revoked. Restricted to one pipeline, it reads and changes that pipeline only:
          nothing in another pipeline, nothing organisation-wide, not the audit trail (it can still list the teams).
        </p>
        <CreateTokenForm
          self={{ id: actor.id, roles: rolesAnywhere(actor) }}
          pipelines={pipelines}
          pipeline={suggested && pipelines.includes(suggested) ? suggested : undefined}
          users={users?.filter((u) => !u.disabled).map((u) => ({ id: u.id, label: `${u.name} (${u.email})` }))}
          action={createTokenAction}
        />
      </Panel>
      <Panel title={everyone ? `Everyone's tokens (${tokens.length})` : `Your tokens (${tokens.length})`}>
        {tokens.length === 0 ? (
          <EmptyState title="No API tokens yet">Create one above for CI, or run npm run token -- --user &lt;email&gt; --name &lt;label&gt;.</EmptyState>
        ) : (
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={thClass}>Name</th>
                <th className={thClass}>Token</th>
                <th className={thClass}>Acts as</th>
                <th className={thClass}>Created</th>
                <th className={thClass}>Last used</th>
                <th className={thClass}>Status</th>
                <th className={thClass}></th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => {
                const expired = t.expiresAt !== null && t.expiresAt <= now;
                return (
                  <tr key={t.id}>
                    <td className={`${tdClass} font-medium break-words`}>{t.name}</td>
                    <td className={`${tdClass} font-mono text-xs text-zinc-600`}>{t.prefix}…</td>
                    <td className={tdClass}>
                      <span className="break-all">{t.userEmail}</span>
                      <span className="block text-xs text-zinc-500">
                        {t.roles ? `only ${t.roles.join(", ")}` : "all their roles"}
                        {t.pipeline ? ` · pipeline ${t.pipeline} only` : " · every pipeline"}
                      </span>
                    </td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>
                      <RelativeTime at={t.createdAt} now={now} />
                    </td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>{t.lastUsedAt ? <RelativeTime at={t.lastUsedAt} now={now} /> : "never"}</td>
                    <td className={tdClass}>
                      {t.revokedAt ? (
                        <Badge tone="red">revoked</Badge>
                      ) : expired ? (
                        <Badge tone="amber">expired</Badge>
                      ) : (
                        <Badge tone="green">
                          active
                          {t.expiresAt && (
                            <>
                              {" "}
                              · expires <RelativeTime at={t.expiresAt} now={now} />
                            </>
                          )}
                        </Badge>
                      )}
                    </td>
                    <td className={`${tdClass} text-right`}>{!t.revokedAt && <RevokeTokenButton tokenId={t.id} name={t.name} action={revokeTokenAction} />}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Panel>
    </div>
  );
}
