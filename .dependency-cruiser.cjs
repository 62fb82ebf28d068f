/**
 * The layers of ../shared/DESIGN.md, checked on every `npm test` (`npm run lint:layers`).
 * Arrows point one way: app → components → lib/services → lib/domain; adapters and the controller
 * sit beside the services, never under them. Type-only imports are allowed where a layer only
 * needs a shape (a component receiving a service's result type).
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "domain-is-pure",
      comment: "lib/domain holds pure rules: it imports only lib/domain and pure npm libraries, never I/O.",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: { pathNot: ["^lib/domain/", "^node_modules/", "^(node:)?crypto$"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "domain-no-io-libraries",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: { path: ["^node_modules/(pg|@electric-sql|drizzle-orm|next|react)/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "domain-no-node-io",
      severity: "error",
      from: { path: "^lib/domain/" },
      to: { dependencyTypes: ["core"], path: "^(node:)?(fs|net|http|https|child_process|dgram|dns|tls|cluster|worker_threads)(/|$)" },
    },
    {
      name: "services-not-controller-or-routes",
      comment: "Use cases are called by routes and the controller, never the other way round.",
      severity: "error",
      from: { path: "^lib/services/" },
      to: { path: ["^lib/controller/", "^app/"] },
    },
    {
      name: "components-no-data-access",
      comment: "Components render what pages give them: no database, no service values, no route modules.",
      severity: "error",
      from: { path: "^components/" },
      to: { path: ["^db/", "^lib/services/", "^app/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "schema-not-auth",
      severity: "error",
      from: { path: "^db/schema/" },
      to: { path: "^lib/auth/" },
    },
    {
      name: "queries-read-schema-and-domain",
      comment: "db/queries holds read models, functions (db, params): they build on the schema and domain types only, never on services, the controller, auth or the platform.",
      severity: "error",
      from: { path: "^db/queries/" },
      to: { pathNot: ["^db/queries/", "^db/schema/", "^lib/domain/", "^node_modules/", "^db/client\\.ts$"] },
    },
    {
      name: "queries-take-the-client-as-a-type",
      comment: "A read model receives the database (or a transaction) from its caller; it never opens one.",
      severity: "error",
      from: { path: "^db/queries/" },
      to: { path: "^db/client\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "queries-for-services-and-controller",
      comment: "Routes and components go through the services (which authorize); only services, the controller and other read models call db/queries.",
      severity: "error",
      from: { path: "^(app|components)/" },
      to: { path: "^db/queries/" },
    },
    {
      name: "lib-not-routes",
      comment: "Nothing under lib/ or db/ depends on a route module.",
      severity: "error",
      from: { path: "^(lib|db)/" },
      to: { path: "^app/" },
    },
    {
      name: "no-circular",
      severity: "warn",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^node_modules/", "^\\.next/", "\\.test\\.tsx?$", "__tests__/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
