/** The checkers the golden tests rely on must reject broken input, or they prove nothing. */
import { describe, expect, it } from 'vitest';
import { bicepSyntaxProblems } from './helpers/bicepGrammar';
import { parsePolicyXml } from './helpers/policyXmlParser';

describe('Bicep grammar check', () => {
  it('accepts valid Bicep', async () => {
    expect(await bicepSyntaxProblems("param a string\nresource r 'A/b@2024-05-01' = {\n  name: a\n  properties: {\n    x: [\n      1\n    ]\n  }\n}\n")).toEqual([]);
  });

  it.each([
    ["resource r 'A/b@1' = {\n  name: 'unterminated\n}\n"],
    ["resource r 'A/b@1' = {\n  name: 'a'\n"],
    ['param\n'],
    ["resource r 'A/b@1' = {\n  name: 'a' 'b'\n}\n"],
  ])('rejects %j', async (src) => {
    expect((await bicepSyntaxProblems(src)).length).toBeGreaterThan(0);
  });
});

describe('policy XML check', () => {
  it('allows APIM expressions with quotes, && and < in attributes and text', () => {
    const root = parsePolicyXml(
      '<policies><inbound><when condition="@(a == "x" && b < 2)" /><set-body>@{ return "}" + "<"; }</set-body></inbound></policies>',
    );
    expect(root.name).toBe('policies');
  });

  it.each([
    '<policies><inbound></policies>',
    '<policies><a x="1" x="2" /></policies>',
    '<policies><a x="a & b" /></policies>',
    '<policies><a x="a < b" /></policies>',
    '<policies>a & b</policies>',
    '<policies><a x=1 /></policies>',
    '<policies><a x="@(unclosed" /></policies>',
    '<policies/><extra/>',
    '<policies><!-- a -- b --></policies>',
  ])('rejects %s', (xml) => {
    expect(() => parsePolicyXml(xml)).toThrow();
  });
});
