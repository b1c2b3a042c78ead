#!/usr/bin/env node
'use strict';
// Where a node's CPU went, from a JFR recording's execution samples.
//
//   node jfr-breakdown.js RECORDING.jfr [--since HH:MM:SS] [--until HH:MM:SS] [--top 15]
//
// Record with e.g. EASEL_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile"
// (run-ws-load.sh passes EASEL_JAVA_OPTS to the node). --since/--until keep only samples
// taken in that window (UTC wall clock, as the scripts log it), e.g. the measured load phase.
//
// Each jdk.ExecutionSample (a Java thread seen running) is put in the group of the innermost
// frame that is not JDK or Scala library code (java.*, javax.*, jdk.*, sun.*, com.sun.*,
// scala.*): e.g. a sample in HashMap.get called from H2 counts as H2. H2 samples are split by
// what they were doing (commit, query, insert/update/delete, other) from the H2 frames below
// them; Easel's own code counts with the JDK code it calls directly. Samples of GC and other
// VM-internal threads are not execution samples; jdk.CPULoad is printed for the whole JVM.
// Needs `jfr` from the JDK (JAVA_HOME or PATH).

const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const argv = process.argv.slice(2);
const file = argv.find((a) => !a.startsWith('--') && !/^\d\d:\d\d/.test(a) && !/^\d+$/.test(a));
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
if (!file || !fs.existsSync(file)) {
  process.stderr.write('usage: node jfr-breakdown.js RECORDING.jfr [--since HH:MM:SS] [--until HH:MM:SS] [--top 15]\n');
  process.exit(64);
}
const jfr = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'jfr') : 'jfr';

function events(type) {
  const json = execFileSync(jfr, ['print', '--json', '--stack-depth', '96', '--events', type, file], { maxBuffer: 4 << 30 }).toString('utf8');
  return JSON.parse(json).recording.events;
}

const clock = (iso) => new Date(iso).toISOString().slice(11, 19);
const since = opt('since', '00:00:00');
const until = opt('until', '99:99:99');
const inWindow = (e) => {
  const t = clock(e.values.startTime);
  return t >= since && t <= until;
};

const JDK = /^(java|javax|jdk|sun|com\.sun|scala)\./; // scala.*: the Scala library, counted with its caller
const GROUPS = [
  [/^org\.h2\./, 'H2'],
  [/^slick\./, 'Slick'],
  [/^org\.apache\.pekko\.persistence\./, 'Pekko persistence'],
  [/^org\.apache\.pekko\.(stream|actor|dispatch|cluster|remote|event|util|pattern|serialization)/, 'Pekko'],
  [/^org\.apache\.pekko\./, 'Pekko (other)'],
  [/^com\.zaxxer\.hikari\./, 'HikariCP'],
  [/^com\.fasterxml\.jackson\./, 'Jackson'],
  [/^com\.nimbusds\./, 'JWT (nimbus)'],
  [/^(io\.netty\.|com\.linecorp\.armeria\.)/, 'Netty/Armeria'],
  [/^(io\.grpc\.|com\.google\.protobuf\.)/, 'gRPC/protobuf'],
  [/^dev\.easel\./, 'Easel'],
];

function groupOf(frames) {
  for (let i = 0; i < frames.length; i++) {
    const type = frames[i].method.type.name.replace(/\//g, '.');
    if (JDK.test(type)) continue;
    for (const [re, name] of GROUPS) {
      if (re.test(type)) {
        if (name !== 'H2') return name;
        const below = frames
          .slice(i)
          .map((f) => `${f.method.type.name.replace(/\//g, '.')}.${f.method.name}`)
          .filter((f) => f.startsWith('org.h2.'))
          .join(' ');
        if (/commit|Transaction\.(prepareCommit|commit)|MVStore\.(store|commit)|FileStore\.(sync|writeFully)/i.test(below)) return 'H2 commit';
        if (/org\.h2\.command\.query\.(Select|Query)|org\.h2\.index\.|org\.h2\.mvstore\.db\.MVPrimaryIndex\.find|Cursor/.test(below)) return 'H2 query';
        if (/org\.h2\.command\.dml\.(Insert|Update|Delete|Merge)/.test(below)) return 'H2 insert/update/delete';
        return 'H2 other';
      }
    }
    return `other: ${type.split('.').slice(0, 3).join('.')}`;
  }
  return 'JDK only';
}

const samples = events('jdk.ExecutionSample').filter(inWindow);
const counts = new Map();
const threads = new Map();
for (const e of samples) {
  const frames = (e.values.stackTrace && e.values.stackTrace.frames) || [];
  const g = groupOf(frames);
  counts.set(g, (counts.get(g) || 0) + 1);
  const th = ((e.values.sampledThread && e.values.sampledThread.javaName) || '?').replace(/-\d+$/, '-N');
  threads.set(th, (threads.get(th) || 0) + 1);
}
const top = Number(opt('top', 15));
const pct = (n) => `${((100 * n) / Math.max(1, samples.length)).toFixed(1)}%`;
const lines = [`${samples.length} execution samples in ${since}..${until === '99:99:99' ? 'end' : until} (UTC)`, '', 'group | samples | share', '--- | --- | ---'];
for (const [g, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`${g} | ${n} | ${pct(n)}`);
lines.push('', 'thread (numbers folded) | samples | share', '--- | --- | ---');
for (const [t, n] of [...threads].sort((a, b) => b[1] - a[1]).slice(0, 8)) lines.push(`${t} | ${n} | ${pct(n)}`);
const loads = events('jdk.CPULoad').filter(inWindow);
if (loads.length) {
  const avg = (k) => loads.reduce((a, e) => a + e.values[k], 0) / loads.length;
  lines.push('', `jdk.CPULoad averages (share of all CPUs): JVM user ${(100 * avg('jvmUser')).toFixed(0)}%, JVM system ${(100 * avg('jvmSystem')).toFixed(0)}%, machine ${(100 * avg('machineTotal')).toFixed(0)}%`);
}
process.stdout.write(`${lines.join('\n')}\n`);
