// SPDX-License-Identifier: Apache-2.0
// @phala/dcap-qvl (npm) on the same quote and collateral as bench-tdx, at
// the same time, in a warm loop (one parsed collateral object, as its API
// takes it). Run by bench-tdx when TA_BENCH_DCAPQVL is set; the module is
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
let best = 0;
for (let warm = 0; warm < 200; warm++) qvl.verify(quote, collateral, now);
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  let n = 0, t;
  do {
    for (let i = 0; i < 10; i++) qvl.verify(quote, collateral, now);
    n += 10;
    t = process.hrtime.bigint() - t0;
  } while (t < roundNs);
  const rate = n * 1e9 / Number(t);
  if (rate > best) best = rate;
}
console.log(`dcapqvl_warm_per_sec=${best.toFixed(0)} ` +
            `(${(1e6 / best).toFixed(1)} us)`);
