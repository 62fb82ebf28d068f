/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships WASM that bundling breaks (STACK.md trap 6); pg has optional native parts.
  serverExternalPackages: ["@electric-sql/pglite", "pg"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
