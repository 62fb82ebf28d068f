import { apiRead } from "@/lib/api/handler";
import { getPipelineRevision } from "@/lib/services/pipeline-revision";

/** The pipeline's change token, polled by its open board and environment pages (lib/services/pipeline-revision.ts). */
export const GET = apiRead<{ pipeline: string }>(({ ctx, params }) => getPipelineRevision(ctx, { pipeline: params.pipeline }));
