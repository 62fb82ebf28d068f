import { inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { pipelines } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import type { Role } from "@/lib/auth/roles";
import type { Clock } from "@/lib/domain/clock";
import { createTeam, setPipelineOwner, setTeamMember } from "@/lib/services/teams";
import { createUser, findUserByEmail } from "@/lib/services/users";

/** The demo's two teams, the pipelines each owns (when loaded), and one tech lead per team (DESIGN.md). */
export const DEMO_TEAMS: { name: string; displayName: string; pipelines: string[]; lead: { email: string; name: string; roles: Role[] } }[] = [
  {
    name: "storefront",
    displayName: "Storefront",
    pipelines: ["shop"],
    lead: { email: "tech-lead-storefront@example.com", name: "Sofia Brandt", roles: ["tech-lead"] },
  },
  {
    name: "platform",
    displayName: "Platform",
    pipelines: ["handbook", "ledger"],
    lead: { email: "tech-lead-platform@example.com", name: "Pavel Ito", roles: ["tech-lead"] },
  },
];

/**
 * Creates the demo teams, gives them the pipelines of theirs that are loaded (by name; a pipeline
 * not loaded yet is skipped, and one already owned keeps its owner), and adds each team's tech
 * lead, who holds that role in the team only (no global role). Through the real services, as the
 * system actor, so each step is audited. Run inside the seed's transaction.
 */
export async function seedDemoTeams(tx: Db, clock: Clock): Promise<void> {
  const ctx = { db: tx, actor: systemActor("cli"), clock };
  for (const team of DEMO_TEAMS) {
    await createTeam(ctx, { name: team.name, displayName: team.displayName });
    const loaded = await tx.select({ name: pipelines.name, teamId: pipelines.teamId }).from(pipelines).where(inArray(pipelines.name, team.pipelines));
    for (const pipeline of loaded) if (!pipeline.teamId) await setPipelineOwner(ctx, pipeline.name, { team: team.name });
    if (!(await findUserByEmail(tx, team.lead.email))) await createUser(ctx, { email: team.lead.email, name: team.lead.name, roles: [] });
    await setTeamMember(ctx, team.name, { user: team.lead.email, roles: team.lead.roles });
  }
}
