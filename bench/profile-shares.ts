// The CPU profile summary the profile scripts print (bench/profile-*.ts): of the samples that were
// not idle, the share of each package or file and of each function (self time).
export interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

export function shares(profile: { nodes: Node[]; samples: number[] }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const count = new Map<number, number>();
  for (const s of profile.samples) count.set(s, (count.get(s) ?? 0) + 1);
  const total = profile.samples.length;
  const idle = [...count].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, c]) => a + c, 0);
  const busy = total - idle;
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, c] of count) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') continue;
    const u = f.url.replace(/^file:\/\//, '').replace(process.cwd() + '/', '');
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
    const where = m ? m[1] : u.startsWith('node:') ? u : u === '' ? '(native/gc)' : u.split('/').slice(0, 2).join('/');
    const key = `${f.functionName || '(anonymous)'} ${u.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + c);
    pkg.set(where, (pkg.get(where) ?? 0) + c);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, c]) => `  ${((100 * c) / busy).toFixed(1).padStart(5)}%  ${k}`).join('\n');
  console.log(`profile: ${total} samples, ${((100 * busy) / total).toFixed(0)}% not idle; shares of the non-idle samples`);
  console.log('by package/file:\n' + top(pkg, 15));
  console.log('by function (self):\n' + top(fn, 30));
}
