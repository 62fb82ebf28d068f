// The same handler as /api/v1/environments/[name]/hold, scoped by the path's {pipeline} (see lib/api/scope.ts).
export { DELETE } from "@/app/api/v1/environments/[name]/hold/route";
