// The same handler as /api/v1/environments/[name]/config/[key], scoped by the path's {pipeline} (see lib/api/scope.ts).
export { PUT, DELETE } from "@/app/api/v1/environments/[name]/config/[key]/route";
