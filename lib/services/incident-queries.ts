import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { environments, incidents } from "@/db/schema";
import type { OpenIncident } from "@/lib/domain/gates/incident";
import { coveringIncidents, incidentOpener, selectIncidents, viewOf, type IncidentView, type Joined } from "./incidents";

/** Reads of open incidents by what they cover (an environment, a pipeline), for pages and gates. */

/** A joined incident as the incident gate takes it (lib/domain/gates/incident.ts). */
function gateOf(r: Joined): OpenIncident {
  return { id: r.incident.id, title: r.incident.title, severity: r.incident.severity, openedAt: r.incident.openedAt, openedBy: incidentOpener(r.openerName, r.incident.openedVia) };
}

/** The open incidents covering one environment (its own, its pipeline's, the organisation's), oldest first: one statement. */
export async function openIncidentsOf(db: Db, environment: { id: string; pipelineId: string }): Promise<IncidentView[]> {
  const rows = await openOfEnvironment(db, { environmentId: environment.id, pipelineId: environment.pipelineId });
  return rows.map(viewOf);
}

// Read on every environment page: prepared (db/queries/prepared.ts), planned once per connection.
const openOfEnvironment = preparedRead("open_incidents_of_environment", (db, name) =>
  selectIncidents(db)
    .where(and(coveringIncidents({ id: sql.placeholder("environmentId"), pipelineId: sql.placeholder("pipelineId") }), eq(incidents.state, "open")))
    .orderBy(asc(incidents.openedAt))
    .prepare(name),
);

/** The open incidents that cover the environment (its own, its pipeline's, the organisation's) as the incident gate takes them. */
export async function openIncidentsForGate(db: Db, environmentId: string): Promise<OpenIncident[]> {
  const [environment] = await db.select({ id: environments.id, pipelineId: environments.pipelineId }).from(environments).where(eq(environments.id, environmentId));
  if (!environment) return [];
  const rows = await selectIncidents(db)
    .where(and(coveringIncidents(environment), eq(incidents.state, "open")))
    .orderBy(asc(incidents.openedAt));
  return rows.map(gateOf);
}

/**
 * The open incidents that cover some environment of one pipeline (declared on one of its
 * environments, on the pipeline, or on the whole organisation), oldest first: each as the list
 * shows it and as the incident gate takes it, with the environment it is declared on (null: wider).
 * One statement, for a board.
 */
export async function openIncidentsOfPipeline(db: Db, pipelineId: string): Promise<{ view: IncidentView; environmentId: string | null; gate: OpenIncident }[]> {
  const rows = await openOfPipeline(db, { pipelineId });
  return rows.map((r) => ({ view: viewOf(r), environmentId: r.incident.environmentId, gate: gateOf(r) }));
}

// Read on every board view: prepared (db/queries/prepared.ts), built once.
const openOfPipeline = preparedRead("open_incidents_of_pipeline", (db, name) => {
  const pipelineId = sql.placeholder("pipelineId");
  return selectIncidents(db)
    .where(
      and(
        eq(incidents.state, "open"),
        or(sql`${incidents.environmentId} in (select id from environments where pipeline_id = ${pipelineId})`, and(isNull(incidents.environmentId), or(isNull(incidents.pipelineId), sql`${incidents.pipelineId} = ${pipelineId}`))),
      ),
    )
    .orderBy(asc(incidents.openedAt))
    .prepare(name);
});
