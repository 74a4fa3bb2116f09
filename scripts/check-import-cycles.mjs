// Fails when the import graph of src/ and webview/ has a cycle (part of `npm run lint`).
// Every kind of import counts: static, type-only, `export … from`, import() and require(): a
// cycle through a type or a lazy load is still two modules that each need the other.
// ESLint's per-file rules cannot see cycles, hence this small whole-graph check.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + '.ts', path.join(base, 'index.ts'), base]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return undefined;
}

const files = ['src', 'webview'].flatMap((d) => walk(path.join(ROOT, d)));
const edges = new Map();
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  edges.set(f, [...new Set([...text.matchAll(SPEC)].map((m) => resolve(f, m[1])).filter(Boolean))]);
}

// Tarjan's strongly connected components: any component of two or more files is a cycle.
let index = 0;
const idx = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = [];
function connect(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) { connect(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
    if (comp.length > 1 || (edges.get(v) ?? []).includes(v)) cycles.push(comp);
  }
}
for (const f of files) if (!idx.has(f)) connect(f);

if (cycles.length > 0) {
  for (const c of cycles) console.error('import cycle among:\n  ' + c.map((f) => path.relative(ROOT, f)).sort().join('\n  '));
  process.exit(1);
}
console.log(`import graph: ${files.length} files, no cycle`);
