import { readTrace } from './format.js';

/** A readable transcript: each request line with its body, then the answer with its body. */
export async function showTrace(dir: string): Promise<string> {
  const trace = await readTrace(dir);
  const out: string[] = [
    `# ${dir} — ${trace.meta.source}${trace.meta.client ? ` (${trace.meta.client})` : ''}`,
  ];
  for (const ex of trace.meta.exchanges) {
    const { Cmd, ...query } = ex.request.query;
    const headers = Object.entries(ex.request.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ');
    out.push(
      '',
      `>>> #${ex.seq} ${ex.request.method} ${Cmd} ${new URLSearchParams(query).toString()} [${ex.request.queryForm}] ${headers}`,
    );
    const req = await trace.body(ex.request.body);
    if (req !== null) out.push(req.trimEnd());
    out.push(`<<< ${ex.response.status} in ${ex.durationMs} ms`);
    const res = await trace.body(ex.response.body);
    if (res !== null) out.push(res.trimEnd());
  }
  return `${out.join('\n')}\n`;
}
