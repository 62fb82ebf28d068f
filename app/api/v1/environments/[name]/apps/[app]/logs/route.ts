import { apiRead } from "@/lib/api/handler";
import { platformReader } from "@/lib/server/platform-reader";
import { instanceLogs } from "@/lib/services/instances";
import { envRef } from "@/lib/api/scope";

export const GET = apiRead<{ name: string; app: string; pipeline?: string }>(({ ctx, params, query }) => instanceLogs(ctx, platformReader(), { ...query, environment: envRef(params), app: params.app }));
