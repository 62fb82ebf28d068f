/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM that bundling breaks (STACK.md trap 6); pg has optional native parts.
  // The Kubernetes client and schemas run as plain Node packages (the Kubernetes platform's reader).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@kubernetes/client-node", "kubernetes-models"],
  poweredByHeader: false,
  reactStrictMode: true,
  // `npm test` runs `tsc --noEmit` before the end-to-end tests build the app, and sets this so the
  // build does not check the same types again (about a minute on a 2-core machine). Every other
  // build (`npm start`, `npm run build`) checks them.
  typescript: { ignoreBuildErrors: process.env.SLIPWAY_BUILD_TYPECHECKED === "1" },
};

export default nextConfig;
