import { apiRead } from "@/lib/api/handler";
import { getPortfolioRevision } from "@/lib/services/pipeline-revision";

/** The change token of every pipeline the caller may read, polled by the open portfolio (lib/services/pipeline-revision.ts). */
export const GET = apiRead(({ ctx }) => getPortfolioRevision(ctx));
