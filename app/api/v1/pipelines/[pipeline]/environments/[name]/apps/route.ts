// The same handler as /api/v1/environments/[name]/apps, scoped by the path's {pipeline} (see lib/api/scope.ts).
export { GET } from "@/app/api/v1/environments/[name]/apps/route";
