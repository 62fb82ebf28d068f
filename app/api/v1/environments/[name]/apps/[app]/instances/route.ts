import { apiRead } from "@/lib/api/handler";
import { platformReader } from "@/lib/server/platform-reader";
import { listInstances } from "@/lib/services/instances";

export const GET = apiRead<{ name: string; app: string }>(({ ctx, params }) => listInstances(ctx, platformReader(), { environment: params.name, app: params.app }));
