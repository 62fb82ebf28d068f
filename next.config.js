/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM that bundling breaks (STACK.md trap 6); pg has optional native parts.
  // The Kubernetes client and schemas run as plain Node packages (the Kubernetes platform's reader).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@kubernetes/client-node", "kubernetes-models"],
  poweredByHeader: false,
  // `npm test` runs tsc over the whole tree just before the e2e build (SLIPWAY_TYPES_CHECKED=1):
  // checking the same types again inside `next build` took 38 s of a 75 s build. Any other build checks them.
  typescript: { ignoreBuildErrors: process.env.SLIPWAY_TYPES_CHECKED === "1" },
  reactStrictMode: true,
};

export default nextConfig;
