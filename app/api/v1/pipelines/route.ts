import { apiRead } from "@/lib/api/handler";
import { pipelineDto } from "@/lib/api/pipeline-dto";
import { listReadablePipelines } from "@/lib/services/pipeline-scope";

/** Every pipeline, by name (a handful: one page); for a token restricted to one pipeline, that one. */
export const GET = apiRead(async ({ ctx }) => ({ items: (await listReadablePipelines(ctx)).map(pipelineDto), nextCursor: null }));
