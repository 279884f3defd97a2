// SPDX-License-Identifier: Apache-2.0
//
// An unmodified OpenAI SDK program (npm package "openai") pointed at
// `teeattest proxy`: test_proxy.py runs it once per case.
//
// Usage: node proxy_openai.mjs BASE_URL MODEL stream|plain
// Prints one JSON line: {"ok": true, "content": TEXT, "verdict": V} when
// the SDK returned an answer, {"ok": false, "error": {"status", "code",
// "type", "message", "failed_checks"}} when it raised.
import OpenAI from "openai";

const [baseURL, model, mode] = process.argv.slice(2);
// maxRetries 0: a 5xx of the proxy is a verdict, not a hiccup to retry.
const client = new OpenAI({ baseURL, apiKey: "client-key-never-forwarded",
                            maxRetries: 0, timeout: 600000 });
const messages = [{ role: "user", content: "hello" }];

function fail(e) {
  const err = e && e.error ? e.error : {};
  console.log(JSON.stringify({
    ok: false,
    error: {
      status: e && e.status !== undefined ? e.status : null,
      code: (e && e.code) || err.code || null,
      type: (e && e.type) || err.type || null,
      message: String((e && e.message) || e),
      failed_checks: err.failed_checks || null,
      name: e && e.constructor ? e.constructor.name : null,
    },
  }));
}

try {
  if (mode === "stream") {
    const stream = await client.chat.completions.create({
      model, messages, stream: true });
    let content = "";
    for await (const chunk of stream)
      content += (chunk.choices[0] && chunk.choices[0].delta.content) || "";
    console.log(JSON.stringify({ ok: true, content }));
  } else {
    const { data, response } = await client.chat.completions
      .create({ model, messages }).withResponse();
    console.log(JSON.stringify({
      ok: true, content: data.choices[0].message.content,
      verdict: response.headers.get("x-teeattest-verdict"),
      signer: response.headers.get("x-teeattest-signer") }));
  }
} catch (e) {
  fail(e);
}
