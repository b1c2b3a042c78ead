'use strict';
// Minimal argv parser shared by the scripts and the reference server.

/**
 * Parses `--key value` and `--flag` arguments. `spec` maps key -> default value;
 * a boolean default makes the key a flag (`--flag` or `--flag=false`).
 * Unknown keys are an error so that typos do not silently change a test.
 */
function parseArgs(argv, spec) {
  const out = Object.assign({}, spec);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (!arg.startsWith('--')) usage(spec, `unexpected argument ${JSON.stringify(arg)}`);
    arg = arg.slice(2);
    let value;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === 'help') usage(spec);
    if (!Object.prototype.hasOwnProperty.call(spec, arg)) usage(spec, `unknown option --${arg}`);
    if (typeof spec[arg] === 'boolean') {
      out[arg] = value === undefined ? true : !/^(false|0|no)$/i.test(value);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) usage(spec, `--${arg} needs a value`);
      value = argv[++i];
    }
    if (typeof spec[arg] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) usage(spec, `--${arg} must be a number, got ${JSON.stringify(value)}`);
      out[arg] = n;
    } else {
      out[arg] = value;
    }
  }
  return out;
}

function usage(spec, problem) {
  const lines = Object.keys(spec).map((k) => `  --${k}${typeof spec[k] === 'boolean' ? '' : ' <value>'}  (default: ${JSON.stringify(spec[k])})`);
  if (problem) process.stderr.write(`error: ${problem}\n`);
  process.stderr.write(`usage: node ${require('path').basename(process.argv[1])} [options]\n${lines.join('\n')}\n`);
  process.exit(problem ? 64 : 0);
}

module.exports = { parseArgs };
