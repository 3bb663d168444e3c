import { describe, expect, it } from 'vitest';
import { child, escapeXml, parseXml, textOf, XmlParseError } from '../../../../src/backends/dav/xml.js';

describe('parseXml', () => {
  it('resolves default and prefixed namespaces, nested redeclarations included', () => {
    const root = parseXml(
      `<?xml version="1.0"?><!-- c --><d:a xmlns:d="DAV:" xmlns="urn:x"><b/><d:c xmlns:d="urn:y"><d:e/></d:c></d:a>`,
    );
    expect([root.ns, root.local]).toEqual(['DAV:', 'a']);
    expect(child(root, 'urn:x', 'b')).toBeDefined();
    const c = child(root, 'urn:y', 'c');
    expect(child(c, 'urn:y', 'e')).toBeDefined();
  });

  it('decodes entities, character references and CDATA, and merges the text', () => {
    const root = parseXml(`<a>x &lt;&amp;&gt; &#233;&#x1F600;<![CDATA[<raw>&amp;]]>&quot;&apos;</a>`);
    expect(root.children).toEqual(['x <&> é😀<raw>&amp;"\'']);
  });

  it('keeps unprefixed attributes in no namespace and prefixed ones by URI', () => {
    const root = parseXml(`<C:comp xmlns:C="urn:c" xmlns:z="urn:z" name='VEVENT' z:k="&amp;v"/>`);
    expect(root.attributes.get('name')).toBe('VEVENT');
    expect(root.attributes.get('{urn:z}k')).toBe('&v');
  });

  it('skips a DOCTYPE with an internal subset without expanding it', () => {
    const root = parseXml(`<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;</a>`);
    expect(textOf(root)).toBe('&x;');
  });

  it.each([
    ['<a><b></a>', 'unexpected </a>'],
    ['<a>', 'unclosed <a>'],
    ['<p:a/>', 'undeclared prefix p'],
    ['<a/><b/>', 'second root element'],
    ['text', 'text outside the root element'],
    ['', 'no root element'],
    ['<a x=1/>', 'unquoted attribute value'],
  ])('rejects %s', (text, message) => {
    expect(() => parseXml(text)).toThrow(XmlParseError);
    expect(() => parseXml(text)).toThrow(message);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters so a name round-trips', () => {
    const name = `Tom & Jerry's <"cal">`;
    expect(textOf(parseXml(`<a>${escapeXml(name)}</a>`))).toBe(name);
  });
});
