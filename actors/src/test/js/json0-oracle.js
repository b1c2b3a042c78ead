'use strict';
// Reference results for Json0CrossCheckTest, computed by the real ot-json0 (the type sharedb
// clients use).
//
// Usage: node json0-oracle.js <cases.jsonl> <results.jsonl>
// Each input line is {"doc", "a", "b", "b2", "bad"?}: a and b are ops made concurrently against
// doc, b2 is an op made against apply(doc, a), bad is an op that should be refused. Each output
// line holds, per operation, {"ok": result} or {"error": message}.

const fs = require('fs');
const json0 = require('ot-json0').type;

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

function attempt(run) {
  try {
    const result = run();
    // apply returns undefined once a lone od has removed the root; Java returns null.
    return { ok: result === undefined ? null : result };
  } catch (e) {
    return { error: String((e && e.message) || e) };
  }
}

function results(c) {
  const out = {
    applyA: attempt(() => json0.apply(clone(c.doc), clone(c.a))),
    applyB: attempt(() => json0.apply(clone(c.doc), clone(c.b))),
    transformLeft: attempt(() => json0.transform(clone(c.a), clone(c.b), 'left')),
    transformRight: attempt(() => json0.transform(clone(c.a), clone(c.b), 'right')),
    transformBLeft: attempt(() => json0.transform(clone(c.b), clone(c.a), 'left')),
    transformBRight: attempt(() => json0.transform(clone(c.b), clone(c.a), 'right')),
    compose: attempt(() => json0.compose(clone(c.a), clone(c.b2))),
    invert: attempt(() => json0.invert(clone(c.a))),
    normalize: attempt(() => json0.normalize(clone(c.a))),
  };
  if (c.bad !== undefined) {
    out.applyBad = attempt(() => json0.apply(clone(c.doc), clone(c.bad)));
  }
  return out;
}

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node json0-oracle.js <cases.jsonl> <results.jsonl>');
  process.exit(2);
}
const lines = fs
  .readFileSync(input, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);
fs.writeFileSync(output, lines.map((line) => JSON.stringify(results(JSON.parse(line)))).join('\n') + '\n');
