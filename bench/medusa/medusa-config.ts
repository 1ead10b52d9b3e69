// Medusa 2 configuration of the peer store that bench/medusa.sh measures beside Shopfleet:
// Postgres and Redis from the environment the script sets (its own database, and a Redis
// database index of its own, so no key of Medusa's lands among Shopfleet's), production
// modules backed by Redis (event bus, workflow engine, cache, locking), and no admin.
import { defineConfig, loadEnv, Modules } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "production", process.cwd())

const redisUrl = process.env.REDIS_URL
if (!redisUrl) {
  throw new Error("REDIS_URL must be set (bench/medusa.sh sets it)")
}

// The caching module (query results in Redis, what Shopfleet's cached listings compare to)
// is behind Medusa's `caching` feature flag; bench/medusa.sh turns it on unless
// MEDUSA_CACHING=0.
const caching = process.env.MEDUSA_FF_CACHING === "true"

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    redisUrl,
    workerMode: "shared",
    http: {
      storeCors: process.env.STORE_CORS || "http://127.0.0.1",
      adminCors: process.env.ADMIN_CORS || "http://127.0.0.1",
      authCors: process.env.AUTH_CORS || "http://127.0.0.1",
      jwtSecret: process.env.JWT_SECRET,
      cookieSecret: process.env.COOKIE_SECRET,
    },
  },
  admin: {
    disable: true,
  },
  featureFlags: {
    caching,
  },
  modules: [
    {
      resolve: "@medusajs/medusa/event-bus-redis",
      key: Modules.EVENT_BUS,
      options: { redisUrl },
    },
    {
      resolve: "@medusajs/medusa/workflow-engine-redis",
      key: Modules.WORKFLOW_ENGINE,
      options: { redis: { redisUrl } },
    },
    {
      resolve: "@medusajs/medusa/cache-redis",
      key: Modules.CACHE,
      options: { redisUrl },
    },
    {
      resolve: "@medusajs/medusa/locking",
      key: Modules.LOCKING,
      options: {
        providers: [
          {
            resolve: "@medusajs/medusa/locking-redis",
            id: "locking-redis",
            is_default: true,
            options: { redisUrl },
          },
        ],
      },
    },
    ...(caching
      ? [
          {
            resolve: "@medusajs/medusa/caching",
            key: Modules.CACHING,
            options: {
              providers: [
                {
                  resolve: "@medusajs/medusa/caching-redis",
                  id: "caching-redis",
                  is_default: true,
                  options: { redisUrl },
                },
              ],
            },
          },
        ]
      : []),
  ],
})
