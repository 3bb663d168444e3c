import { describe, expect, it } from 'vitest';
import { CardDavDirectory } from '../../../../src/backends/dav/directory.js';
import { fakeFetch } from './fake-dav.js';

// The GAL is read with the gateway's own login: its failures must not look like the phone's.

const directory = (status: number) =>
  new CardDavDirectory({
    url: 'http://dav.test/directory/gal/',
    user: 'directory',
    password: 'wrong',
    fetch: fakeFetch(() => ({ status })).fetch,
  });

describe('CardDavDirectory failures', () => {
  it("reports its refused login as 'permanent' (a configuration error), never 'auth'", async () => {
    await expect(directory(401).search('schmidt', 10)).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining('GAL login is refused') as unknown,
    });
  });

  it("reports an outage as 'temporary'", async () => {
    await expect(directory(503).search('schmidt', 10)).rejects.toMatchObject({ kind: 'temporary' });
  });
});
