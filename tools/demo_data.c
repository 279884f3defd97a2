/*
 * teeattest demo: real signed exchanges, embedded so that the demo runs
 * offline and without an API key.
 *
 * SPDX-License-Identifier: Apache-2.0
 *
 * Each exchange is the exact byte sequence that was hashed and signed. The
 * hashes cover every byte (pretty-printing, the blank line after each SSE
 * event, the final "data: [DONE]\n\n"), so these literals must never be
 * reformatted: one C line per line of the original, every "\n" explicit, no
 * newline after the last line unless the original has one. The integration
 * tests compare them byte for byte, via `teeattest demo --save`, with the
 * reference copies and their SHA-256 (tests/integration/test_cli.py).
 *
 * The texts are facts copied from public documentation (quoted for
 * interoperability testing), not code.
 */
#include "cli.h"

/*
 * NEAR AI Cloud, model deepseek-ai/DeepSeek-V3.1, streamed, December 2025.
 * Source: nearai/docs @ 2d6baa035c97ea5ad249c0755a21825714fa1db3,
 *         docs/cloud/verification/chat-verification.md
 * The document prints the request, the SSE answer, the /v1/signature answer
 * and the hashes sha256(request) = b524f8f4…a8ba and sha256(response) =
 * aae79d9d…d58f. The request is the pretty-printed body (2-space indent, no
 * trailing newline) as actually sent: the document's own JSON.stringify()
 * snippet yields a different, unsigned, hash.
 * Signer 0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca: the signing_address
 * the document shows (EIP-55 form 0x319f1b8BB3b723A5d098FFB67005Bdf7BB579ACa).
 */
static const char near_request[] =
    "{\n"
    "  \"messages\": [\n"
    "    {\n"
    "      \"content\": \"Respond with only two words.\",\n"
    "      \"role\": \"user\"\n"
    "    }\n"
    "  ],\n"
    "  \"stream\": true,\n"
    "  \"model\": \"deepseek-ai/DeepSeek-V3.1\"\n"
    "}";

static const char near_response[] =
    "data: {\"id\":\"chatcmpl-ba1b4314210adc3b\",\"object\":\"chat.completion.chunk\",\"created\":1764763435,\"model\":\"deepseek-ai/DeepSeek-V3.1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":null}],\"prompt_token_ids\":null}\n"
    "\n"
    "data: {\"id\":\"chatcmpl-ba1b4314210adc3b\",\"object\":\"chat.completion.chunk\",\"created\":1764763435,\"model\":\"deepseek-ai/DeepSeek-V3.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Okay\",\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":null,\"token_ids\":null}]}\n"
    "\n"
    "data: {\"id\":\"chatcmpl-ba1b4314210adc3b\",\"object\":\"chat.completion.chunk\",\"created\":1764763435,\"model\":\"deepseek-ai/DeepSeek-V3.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\".\",\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":null,\"token_ids\":null}]}\n"
    "\n"
    "data: {\"id\":\"chatcmpl-ba1b4314210adc3b\",\"object\":\"chat.completion.chunk\",\"created\":1764763435,\"model\":\"deepseek-ai/DeepSeek-V3.1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\",\"reasoning_content\":null},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null,\"token_ids\":null}]}\n"
    "\n"
    "data: {\"id\":\"chatcmpl-ba1b4314210adc3b\",\"object\":\"chat.completion.chunk\",\"created\":1764763435,\"model\":\"deepseek-ai/DeepSeek-V3.1\",\"choices\":[],\"usage\":{\"prompt_tokens\":13,\"total_tokens\":16,\"completion_tokens\":3}}\n"
    "\n"
    "data: [DONE]\n"
    "\n";

static const char near_signature[] =
    "{\n"
    "  \"text\": \"b524f8f4b611b43526aa988c636cf1d7e72aa661876c3d969e2c2acae125a8ba:aae79d9de9c46f0a9c478481ceb84df5742a88067a6ab8bac9e98664d712d58f\",\n"
    "  \"signature\": \"0x649b30be41e53ac33cb3fe414c8f5fd30ad72cacaeac0f41c4977fee4b67506e185300f1978039306c406b398c4eda49c3dad476d5054c63fd811570815012cc1b\",\n"
    "  \"signing_address\": \"0x319f1b8BB3b723A5d098FFB67005Bdf7BB579ACa\",\n"
    "  \"signing_algo\": \"ecdsa\"\n"
    "}";

/*
 * Phala confidential-AI inference API (inference-api.phala.network),
 * model meta-llama/meta-llama-3.1-8b-instruct, streamed, October 2024.
 * Source: Phala-Network/phala-docs @ 1260d74ea532cf8caec0bd85501f6ac4a88c1df4,
 *         confidential-ai/confidential-AI-API.md
 * 2024-era signature record: no signing_address or signing_algo, and the
 * signature has no "0x". sha256(request) = bcf15241…ff0a and
 * sha256(response) = 2e704942…f36e as the document states.
 * Signer 0x50f9b35e94dfa4805a8c69c50ba13841a06c1216: the document names no
 * signer; this is the address recovered (EIP-191, secp256k1) from its
 * signature, cross-checked with an independent implementation when the
 * reference copy was made.
 */
static const char phala_request[] =
    "{\n"
    "  \"messages\": [\n"
    "    {\n"
    "      \"content\": \"You are a helpful assistant.\",\n"
    "      \"role\": \"system\"\n"
    "    },\n"
    "    {\n"
    "      \"content\": \"What is your model name?\",\n"
    "      \"role\": \"user\"\n"
    "    }\n"
    "  ],\n"
    "  \"stream\": true,\n"
    "  \"model\": \"meta-llama/meta-llama-3.1-8b-instruct\"\n"
    "}";

static const char phala_response[] =
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"I\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"'m\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" an\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" AI\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" model\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" known\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" as\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" L\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lama\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\".\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" L\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lama\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" stands\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" for\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \\\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Large\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Language\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Model\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" Meta\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" AI\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\".\\\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n"
    "\n"
    "data: {\"id\":\"chat-7ee2a39468ce48d7b2284783f21782b0\",\"object\":\"chat.completion.chunk\",\"created\":1728887353,\"model\":\"meta-llama/meta-llama-3.1-8b-instruct\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}\n"
    "\n"
    "data: [DONE]\n"
    "\n";

static const char phala_signature[] =
    "{\n"
    "  \"text\": \"bcf152411970b14faab35a76d559b4188b78c24ced0048d0edcd320bf47bff0a:2e704942816901eaf435945fd01d76346e5dd283d5f8a2391e525e8f9a9ef36e\",\n"
    "  \"signature\": \"9277f6a8a65e155c57c6738abdfd13d324d38e834b80c4dc6df5a45c6e7ec10505299edffb36ed0639529b8d96488238019e8fe240369a9344993809845cf2151c\"\n"
    "}";

#define LIT(s) s, sizeof s - 1

const struct demo_exchange demo_exchanges[] = {
    {
        "nearai_cloud_2025_stream",
        "NEAR AI Cloud, DeepSeek-V3.1, streamed answer (2025)",
        "nearai/docs @ 2d6baa0, docs/cloud/verification/chat-verification.md",
        "0x319f1b8bb3b723a5d098ffb67005bdf7bb579aca",
        "signing_address printed in the NEAR AI documentation",
        LIT(near_request),
        LIT(near_response),
        LIT(near_signature),
    },
    {
        "phala_inference_api_2024_stream",
        "Phala inference API, Llama 3.1 8B, streamed answer (2024)",
        "Phala-Network/phala-docs @ 1260d74, confidential-ai/confidential-AI-API.md",
        "0x50f9b35e94dfa4805a8c69c50ba13841a06c1216",
        "recovered from the documented signature; the record names none",
        LIT(phala_request),
        LIT(phala_response),
        LIT(phala_signature),
    },
};

const size_t demo_exchange_count =
    sizeof demo_exchanges / sizeof demo_exchanges[0];
