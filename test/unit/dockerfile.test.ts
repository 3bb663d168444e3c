import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// A static check of the Dockerfile, which runs everywhere (building the image needs podman).
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
const instructions = dockerfile
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trim().startsWith('#'))
  .map((l) => l.trim());

describe('Dockerfile', () => {
  it('builds FROM a configurable Node image in stages', () => {
    expect(instructions).toContain('ARG NODE_IMAGE=node:24-bookworm-slim');
    expect(instructions.filter((l) => l.startsWith('FROM ${NODE_IMAGE}'))).toHaveLength(2);
  });

  it('runs as a non-root user, exposes its port, checks health in Node, and uses exec form', () => {
    expect(instructions).toContain('USER node');
    expect(instructions.some((l) => /^EXPOSE \d+$/.test(l))).toBe(true);
    expect(instructions.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/CMD \["node", "-e",/);
    expect(instructions.find((l) => l.startsWith('ENTRYPOINT'))).toBe(
      'ENTRYPOINT ["node", "/app/dist/cli.js"]',
    );
    expect(instructions.find((l) => l.startsWith('CMD'))).toBe('CMD ["serve"]');
  });

  it('keeps to what buildah 1.28 accepts (no heredocs, no COPY --link)', () => {
    expect(dockerfile).not.toMatch(/<<\s*['"]?[A-Z]+/);
    expect(dockerfile).not.toMatch(/COPY\s+--link/);
  });
});
