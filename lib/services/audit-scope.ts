import { sql, type SQL } from "drizzle-orm";
import { auditEvents } from "@/db/schema";

/**
 * Which audit events concern one pipeline (or the pipelines of one team). Events carry no
 * pipeline of their own: it is found through their target — a deployment's environment, a
 * release's or build's pipeline, a freeze's or incident's environment, the pipeline itself (by id
 * or name), or an environment. Events name an environment qualified ("shop/dev"; some by id). Older
 * events name it bare ("dev"): a bare name counts only when it is unambiguous — no pipeline outside
 * the ones asked about has (or had) an environment of that name — so an old event about a name two
 * pipelines share shows under neither, never under the wrong one. An organisation-wide freeze
 * concerns every pipeline.
 */
function pipelinesMatching(pipelines: SQL): SQL {
  const target = auditEvents.targetId;
  return sql`(
    (${auditEvents.targetType} = 'pipeline' and ${target} in (select sp.id from pipelines sp where sp.id in ${pipelines} union select sp.name from pipelines sp where sp.id in ${pipelines}))
    or (${auditEvents.targetType} = 'deployment' and ${target} in (select sd.id from deployments sd join environments se on se.id = sd.environment_id where se.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'release' and ${target} in (select sr.id from releases sr where sr.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'build' and ${target} in (select sb.id from builds sb join apps sa on sa.id = sb.app_id where sa.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'environment' and ${target} in (
          select se.id from environments se where se.pipeline_id in ${pipelines}
          union select sp.name || '/' || se.name from environments se join pipelines sp on sp.id = se.pipeline_id where se.pipeline_id in ${pipelines}
          union select se.name from environments se where se.pipeline_id in ${pipelines}
            and not exists (select 1 from environments so where so.name = se.name and so.pipeline_id not in ${pipelines})))
    or (${auditEvents.targetType} = 'freeze' and ${target} in (select sf.id from freezes sf left join environments se on se.id = sf.environment_id where sf.environment_id is null or se.pipeline_id in ${pipelines}))
    or (${auditEvents.targetType} = 'incident' and ${target} in (select si.id from incidents si join environments se on se.id = si.environment_id where se.pipeline_id in ${pipelines}))
  )`;
}

/** Events about pipeline `pipelineId` (see above). */
export function auditOfPipeline(pipelineId: string): SQL {
  return pipelinesMatching(sql`(${pipelineId})`);
}

/** Events about the pipeline named `name` (none when no pipeline has that name). */
export function auditOfPipelineNamed(name: string): SQL {
  return pipelinesMatching(sql`(select np.id from pipelines np where np.name = ${name})`);
}

/** Events about the pipelines team `teamId` owns. */
export function auditOfTeam(teamId: string): SQL {
  return pipelinesMatching(sql`(select tp.id from pipelines tp where tp.team_id = ${teamId})`);
}

/** Events about the pipelines the team named `name` owns (none when no team has that name). */
export function auditOfTeamNamed(name: string): SQL {
  return pipelinesMatching(sql`(select tp.id from pipelines tp join teams tt on tt.id = tp.team_id where tt.name = ${name})`);
}
