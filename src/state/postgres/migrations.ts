// The PostgreSQL schema, step by step (see ../sqlite/migrations.ts for the same tables in SQLite).
// Applied under an advisory lock, so gateway instances starting together migrate once.
export const PG_MIGRATIONS: readonly string[] = [
  `CREATE TABLE devices (
     "user" TEXT NOT NULL,
     device_id TEXT NOT NULL,
     device_type TEXT,
     user_agent TEXT,
     protocol_version TEXT,
     first_seen BIGINT NOT NULL,
     last_seen BIGINT NOT NULL,
     policy_key TEXT,
     pending_policy_key TEXT,
     wipe TEXT NOT NULL DEFAULT 'none',
     device_information TEXT,
     PRIMARY KEY ("user", device_id)
   );
   CREATE TABLE folders (
     "user" TEXT NOT NULL,
     collection_id BIGINT NOT NULL,
     backend_key TEXT,
     PRIMARY KEY ("user", collection_id),
     UNIQUE ("user", backend_key)
   );
   CREATE TABLE sync_states (
     "user" TEXT NOT NULL,
     device_id TEXT NOT NULL,
     scope TEXT NOT NULL,
     slot TEXT NOT NULL CHECK (slot IN ('current', 'previous')),
     sync_key TEXT NOT NULL,
     snapshot TEXT NOT NULL,
     updated_at BIGINT NOT NULL,
     PRIMARY KEY ("user", device_id, scope, slot)
   );
   CREATE TABLE device_cache (
     "user" TEXT NOT NULL,
     device_id TEXT NOT NULL,
     name TEXT NOT NULL,
     value TEXT NOT NULL,
     PRIMARY KEY ("user", device_id, name)
   );
   CREATE TABLE client_ids (
     "user" TEXT NOT NULL,
     device_id TEXT NOT NULL,
     scope TEXT NOT NULL,
     client_id TEXT NOT NULL,
     server_id TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     PRIMARY KEY ("user", device_id, scope, client_id)
   );`,
];
