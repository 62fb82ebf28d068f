// The same handler as /api/v1/environments/[name]/jobs, scoped by the path's {pipeline} (see lib/api/scope.ts).
export { GET, POST } from "@/app/api/v1/environments/[name]/jobs/route";
