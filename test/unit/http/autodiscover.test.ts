import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth } from '../../support/eas-client.js';
import { fakeBackends } from '../../support/fake-backends.js';
import { XML_FORBIDDEN } from '../../support/fuzz/harness.js';
import { testApp, type TestApp } from '../../support/test-app.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/autodiscover/${name}`, import.meta.url), 'utf8');
const auth = { authorization: basicAuth('alice@example.test', 'password') };

let t: TestApp;
beforeEach(async () => {
  t = await testApp(fakeBackends(), {
    users: { 'alice@example.test': { displayName: 'Alice Example', aliases: [] } },
  });
});
afterEach(async () => t.close());

const post = (
  payload: string,
  path = '/autodiscover/autodiscover.xml',
  headers: Record<string, string> = auth,
) =>
  t.app.inject({
    method: 'POST',
    url: path,
    headers: { ...headers, 'content-type': 'text/xml', host: 'mail.example.test' },
    payload,
  });

describe('Autodiscover (MS-ASCMD 2.2.1.1)', () => {
  it('answers the mobilesync request of iOS and Android with the ActiveSync URL', async () => {
    const res = await post(fixture('mobilesync-ios.xml'));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.body).toContain(
      '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006">',
    );
    expect(res.body).toContain('<Type>MobileSync</Type>');
    expect(res.body).toContain('<Url>http://mail.example.test/Microsoft-Server-ActiveSync</Url>');
    expect(res.body).toContain('<DisplayName>Alice Example</DisplayName>');
    expect(res.body).toContain('<EMailAddress>alice@example.test</EMailAddress>');
  });

  it('answers the outlook schema with the MobileSync URL as ASUrl', async () => {
    const res = await post(fixture('outlook-2006a.xml'), '/Autodiscover/Autodiscover.xml');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<ASUrl>http://mail.example.test/Microsoft-Server-ActiveSync</ASUrl>');
    expect(res.body).toContain('<AutoDiscoverSMTPAddress>alice@example.test</AutoDiscoverSMTPAddress>');
  });

  it('reads prefixed documents with CDATA', async () => {
    expect((await post(fixture('prefixed-cdata.xml'))).body).toContain('<Type>MobileSync</Type>');
  });

  it.each([
    ['an unsupported response schema', fixture('wrong-schema.xml'), /unsupported response schema/],
    ['a document without an address', '<Autodiscover><Request></Request></Autodiscover>', /no EMailAddress/],
    ['something that is not XML', '{"not":"xml"}', /not an Autodiscover request/],
  ])('answers %s with error 600', async (_name, body, reason) => {
    const res = await post(body);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<ErrorCode>600</ErrorCode>');
    expect(res.body).toMatch(reason);
  });

  it.each([
    ['a reference beyond Unicode', '&#99999999;'],
    ['a hex reference beyond Unicode', '&#x110000;'],
    ['a reference to a surrogate', '&#xD800;'],
    ['a reference to NUL', '&#0;'],
    ['a reference to a control character', 'al&#1;ce@example.test'],
    ['a control character in CDATA', '<![CDATA[al\u0007ice@example.test]]>'],
  ])('answers an address with %s with 400 and error 600, never 500', async (_name, address) => {
    const res = await post(
      fixture('mobilesync-ios.xml').replace(
        /<EMailAddress>[^<]*<\/EMailAddress>/,
        `<EMailAddress>${address}</EMailAddress>`,
      ),
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<ErrorCode>600</ErrorCode>');
    expect(XML_FORBIDDEN.test(res.body)).toBe(false);
  });

  it('keeps characters XML forbids out of the error document that quotes the request', async () => {
    const res = await post(
      fixture('wrong-schema.xml').replace(/(<AcceptableResponseSchema>)/, '$1\u0001\u001b'),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('unsupported response schema');
    expect(XML_FORBIDDEN.test(res.body)).toBe(false);
  });

  it('asks for credentials and refuses wrong ones', async () => {
    const none = await post(fixture('mobilesync-ios.xml'), undefined, {});
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic/);
    expect(
      (await post(fixture('mobilesync-ios.xml'), undefined, { authorization: basicAuth('alice', 'nope') }))
        .statusCode,
    ).toBe(401);
  });

  it('answers a GET probe without crashing and limits the body size', async () => {
    const get = await t.app.inject({ method: 'GET', url: '/autodiscover/autodiscover.xml', headers: auth });
    expect(get.statusCode).toBe(200);
    expect(get.body).toContain('<ErrorCode>600</ErrorCode>');
    expect((await post('x'.repeat(70_000))).statusCode).toBe(413);
  });

  it('serves the JSON v2 form without authentication', async () => {
    const q = await t.app.inject({
      url: '/autodiscover/autodiscover.json?Email=alice@example.test&Protocol=ActiveSync',
      headers: { host: 'mail.example.test' },
    });
    expect(q.json()).toEqual({
      Protocol: 'ActiveSync',
      Url: 'http://mail.example.test/Microsoft-Server-ActiveSync',
    });
    const v1 = await t.app.inject({
      url: '/autodiscover/autodiscover.json/v1.0/alice@example.test?Protocol=activesync',
      headers: { host: 'mail.example.test' },
    });
    expect(v1.json().Url).toBe('http://mail.example.test/Microsoft-Server-ActiveSync');
    const bad = await t.app.inject({ url: '/autodiscover/autodiscover.json?Email=a@b&Protocol=EWS' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().ErrorCode).toBe('InvalidProtocol');
  });

  it.each([
    '/autodiscover/autodiscover.json/v1.0/%E0%A4%A?Protocol=ActiveSync',
    '/autodiscover/autodiscover.json/v1.0/a%00b?Protocol=ActiveSync',
    '/autodiscover/autodiscover.json?Email=%&Protocol=%FF',
  ])('answers the odd JSON request %s without a 5xx or a character XML forbids', async (url) => {
    const res = await t.app.inject({ url, headers: { host: 'mail.example.test' } });
    expect(res.statusCode).toBeGreaterThanOrEqual(200);
    expect(res.statusCode).toBeLessThan(500);
    expect(XML_FORBIDDEN.test(res.body)).toBe(false);
  });

  it('uses the configured public URL behind a proxy', async () => {
    await t.close();
    t = await testApp(fakeBackends(), { publicUrl: 'https://eas.example.test/' });
    expect((await post(fixture('mobilesync-ios.xml'))).body).toContain(
      '<Url>https://eas.example.test/Microsoft-Server-ActiveSync</Url>',
    );
  });

  it('honours X-Forwarded-* only when told it runs behind a proxy', async () => {
    const headers = { ...auth, 'x-forwarded-proto': 'https', 'x-forwarded-host': 'eas.example.test' };
    expect((await post(fixture('mobilesync-ios.xml'), undefined, headers)).body).toContain(
      '<Url>http://mail.example.test/',
    );
    await t.close();
    t = await testApp(fakeBackends(), { trustProxy: ['127.0.0.1'] });
    expect((await post(fixture('mobilesync-ios.xml'), undefined, headers)).body).toContain(
      '<Url>https://eas.example.test/Microsoft-Server-ActiveSync</Url>',
    );
  });
});
