import { sql, type SQL } from "drizzle-orm";
import { auditEvents } from "@/db/schema";

/**
 * Which audit events concern one pipeline (or the pipelines of one team). Events carry no
 * pipeline of their own: it is found through their target — a deployment's environment, a
 * release's or build's pipeline, a freeze's or incident's environment, the pipeline itself, or an
 * environment named by id, qualified name ("shop/dev") or, as older events do, bare name (a bare
 * name shared by two pipelines matches both). An organisation-wide freeze concerns every pipeline.
 */
function pipelinesMatching(pipelines: SQL): SQL {
  const target = auditEvents.targetId;
  return sql`(
    (${auditEvents.targetType} = 'pipeline' and ${target} in (select sp.id from pipelines sp where sp.id in ${pipelines}))
    or (${auditEvents.targetType} = 'deployment' and ${target} in (select sd.id from deployments sd join environments se on se.id = sd.environment_id where se.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'release' and ${target} in (select sr.id from releases sr where sr.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'build' and ${target} in (select sb.id from builds sb join apps sa on sa.id = sb.app_id where sa.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'environment' and ${target} in (
          select se.id from environments se where se.pipeline_id in ${pipelines}
          union select se.name from environments se where se.pipeline_id in ${pipelines}
          union select sp.name || '/' || se.name from environments se join pipelines sp on sp.id = se.pipeline_id where se.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'freeze' and ${target} in (select sf.id from freezes sf left join environments se on se.id = sf.environment_id where sf.environment_id is null or se.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'incident' and ${target} in (select si.id from incidents si join environments se on se.id = si.environment_id where se.pipeline_id in ${pipelines}))
  )`;
}

/** Events about pipeline `pipelineId` (see above). */
export function auditOfPipeline(pipelineId: string): SQL {
  return pipelinesMatching(sql`(${pipelineId})`);
}

/** Events about the pipelines team `teamId` owns. */
export function auditOfTeam(teamId: string): SQL {
  return pipelinesMatching(sql`(select tp.id from pipelines tp where tp.team_id = ${teamId})`);
}
