import { createRequire } from 'node:module';

// One small surface over two drivers: Node's built-in node:sqlite (22.13+, no native build) and
// better-sqlite3 on Node 20, where node:sqlite does not exist. Both have prepare/run/get/all/exec,
// so the store is written once.

export type SqlValue = string | number | bigint | null;
export type Row = Record<string, SqlValue>;

export interface SqliteDb {
  exec(sql: string): void;
  run(sql: string, ...params: SqlValue[]): { changes: number };
  get(sql: string, ...params: SqlValue[]): Row | undefined;
  all(sql: string, ...params: SqlValue[]): Row[];
  /** Runs fn inside BEGIN IMMEDIATE … COMMIT, rolling back if it throws. */
  transaction<T>(fn: () => T): T;
  close(): void;
  readonly driver: 'node:sqlite' | 'better-sqlite3';
}

interface Statement {
  run(...params: SqlValue[]): { changes: number | bigint };
  get(...params: SqlValue[]): unknown;
  all(...params: SqlValue[]): unknown[];
}

interface RawDb {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}

const require = createRequire(import.meta.url);

function openRaw(path: string): { raw: RawDb; driver: SqliteDb['driver'] } {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 22 || (major === 22 && minor >= 13)) {
    // node:sqlite prints an ExperimentalWarning on first load in some releases; it is stable
    // enough for us and the warning would only alarm operators.
    const emit = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      if (String(typeof warning === 'string' ? warning : warning.message).includes('SQLite')) return;
      (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string) => RawDb };
      return { raw: new DatabaseSync(path), driver: 'node:sqlite' };
    } finally {
      process.emitWarning = emit;
    }
  }
  const Database = require('better-sqlite3') as new (path: string) => RawDb;
  return { raw: new Database(path), driver: 'better-sqlite3' };
}

export function openSqlite(path: string): SqliteDb {
  const { raw, driver } = openRaw(path);
  const statements = new Map<string, Statement>();
  const prepared = (sql: string): Statement => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = raw.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
  let depth = 0;
  return {
    driver,
    exec: (sql) => raw.exec(sql),
    run: (sql, ...params) => ({ changes: Number(prepared(sql).run(...params).changes) }),
    get: (sql, ...params) => prepared(sql).get(...params) as Row | undefined,
    all: (sql, ...params) => prepared(sql).all(...params) as Row[],
    transaction<T>(fn: () => T): T {
      if (depth > 0) return fn();
      raw.exec('BEGIN IMMEDIATE');
      depth++;
      try {
        const result = fn();
        raw.exec('COMMIT');
        return result;
      } catch (e) {
        raw.exec('ROLLBACK');
        throw e;
      } finally {
        depth--;
      }
    },
    close: () => raw.close(),
  };
}
