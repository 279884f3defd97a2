// SPDX-License-Identifier: Apache-2.0
// @phala/dcap-qvl (npm) on the same quote and collateral as bench-tdx, at
// the same time, in a loop (one parsed collateral object, as its API takes
// it; it keeps nothing between calls, so every call checks the collateral).
// Prints the best round by wall time and by the process's CPU time (user +
// system, as bench-tdx times its own thread's CPU). Run by bench-tdx when TA_BENCH_DCAPQVL is set; the module is
// found through NODE_PATH (installed outside the repository).
// Usage: node bench-tdx-dcapqvl.js QUOTE COLLATERAL_JSON AT [SECONDS]
'use strict';
const fs = require('fs');
const qvl = require('@phala/dcap-qvl');
const [quotePath, colPath, at, secs] = process.argv.slice(2);
const quote = fs.readFileSync(quotePath);
const collateral = JSON.parse(fs.readFileSync(colPath, 'utf8'));
const now = Number(at);
const first = qvl.verify(quote, collateral, now);
const version = require('@phala/dcap-qvl/package.json').version;
console.log(`dcapqvl_version=${version} node=${process.version} ` +
            `status=${first.status}`);
const roundNs = BigInt(Math.round(Number(secs || 5) * 1e9 / 5));
let best = 0, bestCpu = 0;
for (let warm = 0; warm < 200; warm++) qvl.verify(quote, collateral, now);
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
  let n = 0, t;
  do {
    for (let i = 0; i < 10; i++) qvl.verify(quote, collateral, now);
    n += 10;
    t = process.hrtime.bigint() - t0;
  } while (t < roundNs);
  const c = process.cpuUsage(c0);
  const rate = n * 1e9 / Number(t);
  const cpuRate = n * 1e6 / (c.user + c.system);
  if (rate > best) best = rate;
  if (cpuRate > bestCpu) bestCpu = cpuRate;
}
console.log(`dcapqvl_warm_per_sec=${best.toFixed(0)} ` +
            `(${(1e6 / best).toFixed(1)} us, wall)`);
console.log(`dcapqvl_cpu_per_sec=${bestCpu.toFixed(0)} ` +
            `(${(1e6 / bestCpu).toFixed(1)} us, process CPU)`);
