/*
 * Attest a provider, chat with it, and check the answer's signature against
 * the attested key (C++17). Here the provider is teeattest-sim, a simulated
 * CPU-only TEE whose quotes are signed under its own TEST root:
 *   teeattest-sim --http 8080 --no-gpu --tdx-root-out root.der &
 *   attest_chat http://127.0.0.1:8080 root.der
 * A TEST root is for tests only: for a real provider, drop
 * teeattest_policy_set_tdx_root() (Intel's root is built in).
 * Exit status: 0 both verified, 1 not verified, 2 error.
 * SPDX-License-Identifier: Apache-2.0
 */
#include <string>

#include "example.h"

using example::handle;
using example::out;

int main(int argc, char **argv)
try {
    if (argc != 3)
        throw std::runtime_error("usage: attest_chat BASE_URL TEST_ROOT.der");
    const char *url = argv[1];
    example::checker check;
    teeattest_error *err = &check.err;
    size_t root_len = 0;
    handle<uint8_t, free> root(example_read(argv[2], &root_len));
    check(root ? TEEATTEST_OK : TEEATTEST_E_IO, argv[2]);
    handle<teeattest_ctx, teeattest_ctx_free> ctx;
    check(teeattest_ctx_new(out(ctx), nullptr, err), "context");
    handle<teeattest_provider, teeattest_provider_free> p;
    check(teeattest_provider_new(ctx.get(), out(p), "redpill", err), "provider");
    check(teeattest_provider_set_base_url(p.get(), url, err), "base URL");
    check(teeattest_provider_set_model(p.get(), "sim/test-model", err), "model");

    // 1. The report, fetched with a fresh nonce, verified with collateral
    //    from the simulator's PCCS endpoints.
    handle<teeattest_report, teeattest_report_free> report;
    check(teeattest_report_fetch(p.get(), out(report), nullptr, 0, nullptr, err),
          "fetch");
    handle<teeattest_evidence, teeattest_evidence_free> ev;
    check(teeattest_evidence_new(ctx.get(), out(ev), err), "evidence");
    check(teeattest_evidence_set_online(ev.get(), TEEATTEST_ONLINE_PCCS, url, err),
          "PCCS");
    handle<teeattest_policy, teeattest_policy_free> pol;
    check(teeattest_policy_new(ctx.get(), out(pol), err), "policy");
    check(teeattest_policy_set_tdx_root(pol.get(), root.get(), root_len, err),
          "root");
    check(teeattest_policy_set_require_gpu(pol.get(), 0, err), "GPU");
    handle<teeattest_result, teeattest_result_free> att, verdict;
    check(teeattest_report_verify(ctx.get(), out(att), report.get(),
                                  TEEATTEST_ENTRY_ALL, ev.get(), pol.get(),
                                  nullptr, 0, err), "verify report");
    if (example_print("attestation", att.get()) != 0)
        return 1; // never chat with a server that is not attested
    const char *signer = nullptr;
    check(teeattest_result_verified_signer(att.get(), &signer, nullptr, err),
          "signer");
    std::printf("attested signer: %s\n", signer);

    // 2. A streamed chat: each server-sent event reaches the callback.
    const std::string body = R"({"model":"sim/test-model","stream":true,)"
        R"("messages":[{"role":"user","content":"Hello, TEE"}]})";
    size_t events = 0;
    auto on_event = [](void *n, const char *, const char *, size_t) {
        return ++*static_cast<size_t *>(n), 0; // 0: continue
    };
    handle<teeattest_exchange, teeattest_exchange_free> x;
    check(teeattest_chat(p.get(), out(x),
                         reinterpret_cast<const uint8_t *>(body.data()),
                         body.size(), TEEATTEST_CHAT_STREAM, on_event, &events,
                         err), "chat");
    std::printf("chat %s: HTTP %d, %zu events\n", teeattest_exchange_id(x.get()),
                static_cast<int>(teeattest_exchange_status(x.get())), events);

    // 3. The signature over the exact bytes, against the attested signer.
    const uint8_t *req, *resp;
    size_t req_len, resp_len;
    handle<teeattest_signature, teeattest_signature_free> sig;
    check(teeattest_signature_fetch(p.get(), out(sig), x.get(), "ecdsa", err),
          "signature");
    teeattest_exchange_request(x.get(), &req, &req_len);
    teeattest_exchange_response(x.get(), &resp, &resp_len);
    check(teeattest_signature_verify_attested(sig.get(), out(verdict), pol.get(),
                                              att.get(), req, req_len, resp,
                                              resp_len, err), "verify");
    return example_print("chat signature", verdict.get());
} catch (const std::exception &ex) {
    std::fprintf(stderr, "attest_chat: %s\n", ex.what());
    return 2;
}
