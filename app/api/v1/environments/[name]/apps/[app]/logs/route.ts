import { apiRead } from "@/lib/api/handler";
import { platformReader } from "@/lib/server/platform-reader";
import { instanceLogs } from "@/lib/services/instances";

export const GET = apiRead<{ name: string; app: string }>(({ ctx, params, query }) => instanceLogs(ctx, platformReader(), { ...query, environment: params.name, app: params.app }));
